/**
 * A signature being collected in a form: how the customer signs (on screen,
 * on paper, by phone) and what that needs — the pad's strokes and PNG, the
 * scan of the signed paper, or who approved on the phone and when. `check`
 * refuses an empty pad before anything is sent; `input` uploads the PNG and
 * gives the `SignatureInput` the core expects.
 */
import { api } from './backend';
import type { ApiError } from './backend/errors';
import type { FormState } from './forms.svelte';
import type { PickedPhoto } from './components/PhotoPicker.svelte';
import type { SignatureInput } from './generated/SignatureInput';
import type { SignatureMethod } from './generated/SignatureMethod';
import { emptySignatureError, type SignatureValue } from './signature';

export const SIGNATURE_METHODS: SignatureMethod[] = ['on_screen', 'on_paper', 'by_phone'];

/** `now` as a `datetime-local` input's value (local time, minutes). */
export function localDateTime(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}T${p(now.getHours())}:${p(now.getMinutes())}`;
}

export class SignatureDraft {
  method = $state<SignatureMethod>('on_screen');
  /** The pad's value (null while blank). */
  value = $state<SignatureValue | null>(null);
  /** On paper: the uploaded scan (the first one counts). */
  scans = $state<PickedPhoto[]>([]);
  phoneBy = $state('');
  phoneAt = $state(localDateTime());
  /** Bumped to make the pad start over (it is keyed on this). */
  generation = $state(0);

  constructor(method: SignatureMethod = 'on_screen') {
    this.method = method;
  }

  reset(): void {
    this.value = null;
    this.scans = [];
    this.phoneBy = '';
    this.phoneAt = localDateTime();
    this.generation++;
  }

  /** The error to show before sending (an empty pad), else null. `field` e.g. `customer_signature`. */
  check(field: string): ApiError | null {
    if (this.method === 'on_screen' && !this.value) return emptySignatureError(`${field}.strokes`);
    return null;
  }

  /** The signature to send; on screen, uploads the PNG first. */
  async input(signer: string): Promise<SignatureInput> {
    const signer_name = signer.trim();
    if (this.method === 'on_screen') {
      const value = this.value!;
      const stored = await api.call('upload_photo', { data: value.png });
      return { method: 'on_screen', signer_name, strokes: value.strokes, png_sha256: stored.sha256 };
    }
    if (this.method === 'on_paper') {
      const scan = this.scans[0]?.sha256;
      return { method: 'on_paper', signer_name, ...(scan ? { paper_scan_sha256: scan } : {}) };
    }
    const at = this.phoneAt ? new Date(this.phoneAt) : null;
    return {
      method: 'by_phone',
      signer_name,
      phone_approved_by: this.phoneBy.trim() || signer_name,
      ...(at && !Number.isNaN(at.getTime()) ? { phone_at: at.toISOString() } : {}),
    };
  }
}

/**
 * The signatures a form sends, keyed by field (`customer_signature`, …) and
 * signed by the named signer: pads checked first, then drawn ones uploaded.
 * Null when one is missing or an upload fails; the error is placed in `form`.
 */
export async function collectSignatures(form: FormState, drafts: [SignatureDraft, string, string][]): Promise<Record<string, SignatureInput> | null> {
  for (const [draft, field] of drafts) {
    const err = draft.check(field);
    if (err) {
      form.setError(err);
      return null;
    }
  }
  const out: Record<string, SignatureInput> = {};
  try {
    for (const [draft, field, signer] of drafts) out[field] = await draft.input(signer);
  } catch (e) {
    form.setError(e);
    return null;
  }
  return out;
}
