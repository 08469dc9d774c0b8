import { ApiError, isApiErrorBody } from './errors';
import type { Backend, Input, OperationName, Output, TokenSource } from './types';

/** `stationdesk serve`: `POST /api/<op>` with a JSON body and the token as a bearer token. */
export function httpBackend(token: TokenSource, base = '', fetchImpl: typeof fetch = (...a) => fetch(...a)): Backend {
  return {
    name: 'http',
    async call<K extends OperationName>(op: K, input: Input<K>): Promise<Output<K>> {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      const t = token();
      if (t) headers.Authorization = `Bearer ${t}`;
      let response: Response;
      try {
        response = await fetchImpl(`${base}/api/${op}`, { method: 'POST', headers, body: JSON.stringify(input ?? {}) });
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
      return body as Output<K>;
    },
  };
}
