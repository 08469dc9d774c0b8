/**
 * Where an operation's error is shown. The core names the input it is about
 * (`vin`, `phones.0`, `concerns.0.text`); a form shows it beside that field, or
 * beside the nearest enclosing field it has (`damage_marks.3.note` → `damage_marks`),
 * or at the top of the form when it has none.
 */
import { ApiError } from './backend/errors';

/** An error as thrown (`ApiError`) or as a record lists it (the generated type): what confirming needs of it. */
type Warning = { kind: string; code: string };

/** The field a form shows `err` beside, or null for the top of the form. */
export function placeError(err: Pick<ApiError, 'field'>, hasField: (field: string) => boolean): string | null {
  if (!err.field) return null;
  const parts = err.field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const candidate = parts.slice(0, n).join('.');
    if (hasField(candidate)) return candidate;
  }
  return null;
}

/** Whether the user can get past this error by ticking "I confirm". */
export function isConfirmable(err: Pick<ApiError, 'kind'>): boolean {
  return err.kind === 'needs_confirmation';
}

/**
 * What a confirmation asks about: the warning the core refused with (if it was
 * one), then the others the record lists (`completion_warnings`), each once.
 */
export function warningsToConfirm<A extends Warning, B extends Warning>(refused: A | null | undefined, listed: B[]): (A | B)[] {
  const asked = refused?.kind === 'needs_confirmation' ? [refused] : [];
  return [...asked, ...listed.filter((w) => !asked.some((a) => a.code === w.code))];
}

/** `input` with `code` added to its `confirm` list (once). */
export function withConfirmation<T extends { confirm: string[] }>(input: T, code: string): T {
  return input.confirm.includes(code) ? input : { ...input, confirm: [...input.confirm, code] };
}

export interface PlacedErrors {
  /** Field path → error shown beside it. */
  fields: Record<string, ApiError>;
  /** Shown at the top of the form. */
  form: ApiError | null;
}

export function mapError(raw: unknown, hasField: (field: string) => boolean): PlacedErrors {
  const err = ApiError.from(raw);
  const field = placeError(err, hasField);
  return field ? { fields: { [field]: err }, form: null } : { fields: {}, form: err };
}

/** A VIN as the core normalises it: no spaces or hyphens, upper case, full-width folded. */
export function normaliseVin(raw: string): string {
  return [...raw]
    .map((c) => {
      const code = c.codePointAt(0) ?? 0;
      if (code === 0x3000) return ' ';
      if (code >= 0xff01 && code <= 0xff5e) return String.fromCodePoint(code - 0xfee0);
      return c;
    })
    .join('')
    .replace(/[\s-]/g, '')
    .toUpperCase();
}

