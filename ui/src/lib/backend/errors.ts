import type { ApiError as StationErrorBody } from '../generated/ApiError';
import type { ErrorKind as ConsoleErrorKind } from '../generated/console/ErrorKind';
import type { ErrorKind as StationErrorKind } from '../generated/ErrorKind';

/** The station core's errors and the head-office console's (`ConsoleError`) have one shape; the console adds the kind `throttled`. */
export type ErrorKind = StationErrorKind | ConsoleErrorKind;
export type ApiErrorBody = Omit<StationErrorBody, 'kind'> & { kind: ErrorKind };

/** An operation's failure, as the core (or the head office's console) reports it: `{kind, code, message, field?}`. */
export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly field?: string;
  /** The specifics in `message` (`{expected}`, `{last_km}`), for the translated text. */
  readonly params?: { [key in string]?: string };

  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.kind = body.kind;
    this.code = body.code;
    if (body.field !== undefined) this.field = body.field;
    if (body.params !== undefined) this.params = body.params;
  }

  /** Wraps anything thrown by a transport: an ApiError body, or a network failure. */
  static from(raw: unknown): ApiError {
    if (raw instanceof ApiError) return raw;
    if (isApiErrorBody(raw)) return new ApiError(raw);
    const message = raw instanceof Error ? raw.message : typeof raw === 'string' ? raw : 'unknown error';
    return new ApiError({ kind: 'internal', code: 'network', message });
  }

  toJSON(): ApiErrorBody {
    return { kind: this.kind, code: this.code, message: this.message, ...(this.field !== undefined ? { field: this.field } : {}), ...(this.params !== undefined ? { params: this.params } : {}) };
  }
}

const KINDS: ErrorKind[] = ['invalid', 'needs_confirmation', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'throttled', 'internal'];

export function isApiErrorBody(x: unknown): x is ApiErrorBody {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.code === 'string' && typeof o.message === 'string' && typeof o.kind === 'string' && KINDS.includes(o.kind as ErrorKind);
}
