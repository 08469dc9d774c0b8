/**
 * A form's errors and confirmations. `submit(send)` runs `send(confirm)` and
 * places a failure beside its field; a `needs_confirmation` error offers an
 * "I confirm" checkbox whose tick records the code (`confirm(code)`) and makes
 * the form send again, now with the code in the input's `confirm` list.
 */
import { ApiError } from './backend/errors';
import { mapError } from './errors';

export class FormState {
  fields = $state<Record<string, ApiError>>({});
  form = $state<ApiError | null>(null);
  confirmed = $state<string[]>([]);
  busy = $state(false);
  /** Confirmed code → the field it was about, so editing that field withdraws it. */
  #confirmedFor: Record<string, string> = {};
  #known: (field: string) => boolean;

  /** `known` says which field paths the form shows errors beside. */
  constructor(known: string[] | ((field: string) => boolean)) {
    this.#known = typeof known === 'function' ? known : (f) => known.includes(f);
  }

  error(field: string): ApiError | undefined {
    return this.fields[field];
  }

  /** The user changed `field`: its error goes, and so do confirmations given for it. */
  touch(field: string): void {
    const withdrawn = Object.keys(this.#confirmedFor).filter((code) => this.#confirmedFor[code] === field);
    if (withdrawn.length) {
      this.confirmed = this.confirmed.filter((c) => !withdrawn.includes(c));
      withdrawn.forEach((c) => delete this.#confirmedFor[c]);
    }
    if (this.fields[field]) {
      const { [field]: _gone, ...rest } = this.fields;
      this.fields = rest;
    }
    if (this.form) this.form = null;
  }

  reset(): void {
    this.fields = {};
    this.form = null;
    this.confirmed = [];
    this.#confirmedFor = {};
  }

  setError(raw: unknown): ApiError {
    const placed = mapError(raw, this.#known);
    this.fields = placed.fields;
    this.form = placed.form;
    return ApiError.from(raw);
  }

  /** Runs `send` with the confirmed codes; on failure places the error and resolves to undefined. */
  async submit<T>(send: (confirm: string[]) => Promise<T>): Promise<T | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    this.fields = {};
    this.form = null;
    try {
      return await send([...this.confirmed]);
    } catch (e) {
      this.setError(e);
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** The user ticked "I confirm" for `code`: the form's next send carries it. */
  confirm(code: string): void {
    const field = Object.keys(this.fields).find((f) => this.fields[f].code === code);
    if (field) this.#confirmedFor[code] = field;
    if (!this.confirmed.includes(code)) this.confirmed = [...this.confirmed, code];
  }
}
