/** Locale plumbing with no Svelte in it, so unit tests can load it directly. */

export type Locale = 'zh-CN' | 'en';
export const LOCALES: Locale[] = ['zh-CN', 'en'];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

export type Dict = Record<string, string>;
type Nested = { [key: string]: string | Nested };

/** `{a: {b: "x"}, "errors": {"vin.length": "y"}}` → `{"a.b": "x", "errors.vin.length": "y"}`. */
export function flatten(tree: Nested, prefix = '', out: Dict = {}): Dict {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out[key] = v;
    else flatten(v, key, out);
  }
  return out;
}

/** Replaces `{name}` with `params.name`; leaves unknown placeholders as they are. */
export function interpolate(text: string, params?: Record<string, string | number>): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}


export function isLocale(x: unknown): x is Locale {
  return typeof x === 'string' && (LOCALES as string[]).includes(x);
}
