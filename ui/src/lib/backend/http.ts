import { ApiError, isApiErrorBody } from './errors';
import type { Backend, Input, OperationName, Output, TokenSource } from './types';

/**
 * Sends a request and reads its JSON answer. A failure becomes an `ApiError`:
 * the body's when it is one, else `network` (no answer) or `http.status`.
 * The head office's console sends its requests through it too.
 */
export async function sendJson(url: string, init: RequestInit, fetchImpl: typeof fetch = (...a) => fetch(...a)): Promise<unknown> {
  let response: Response;
  try {
    response = await fetchImpl(url, init);
  } catch (e) {
    throw new ApiError({ kind: 'internal', code: 'network', message: e instanceof Error ? e.message : String(e) });
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    if (isApiErrorBody(body)) throw new ApiError(body);
    throw new ApiError({ kind: 'internal', code: 'http.status', message: `HTTP ${response.status}: ${text.slice(0, 200)}` });
  }
  return body;
}

/** `stationdesk serve`: `POST /api/<op>` with a JSON body and the token as a bearer token. */
export function httpBackend(token: TokenSource, base = '', fetchImpl: typeof fetch = (...a) => fetch(...a)): Backend {
  return {
    name: 'http',
    async call<K extends OperationName>(op: K, input: Input<K>): Promise<Output<K>> {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      const t = token();
      if (t) headers.Authorization = `Bearer ${t}`;
      return (await sendJson(`${base}/api/${op}`, { method: 'POST', headers, body: JSON.stringify(input ?? {}) }, fetchImpl)) as Output<K>;
    },
  };
}
