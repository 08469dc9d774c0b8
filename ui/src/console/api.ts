/**
 * The console's one way to the head office: `call(endpoint, input, params)`,
 * typed by the generated `ConsoleApi` map. A GET sends its input as the query
 * string, the others as a JSON body; `{station_id}` and `{user_id}` in a path
 * come from `params`. The session is an HttpOnly cookie the browser sends by
 * itself; a 401 tells the app (`onSessionGone`) that it has to log in again.
 */
import { ApiError } from '../lib/backend/errors';
import { sendJson } from '../lib/backend/http';
import { CONSOLE_API, type ConsoleApi, type ConsoleEndpoint } from '../lib/generated/console/ConsoleApi';

type Placeholders<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? K | Placeholders<Rest> : never;
/** The path's placeholders, by name. */
export type PathParams<K extends ConsoleEndpoint> = { [N in Placeholders<ConsoleApi[K]['path']>]: string };
type ParamsArg<K extends ConsoleEndpoint> = [Placeholders<ConsoleApi[K]['path']>] extends [never] ? [] : [PathParams<K>];

export interface ConsoleRequest {
  url: string;
  method: string;
  body?: string;
}

/** The request for `endpoint`: the path filled in, the input as query string or JSON body. */
export function requestFor<K extends ConsoleEndpoint>(endpoint: K, input: ConsoleApi[K]['input'], params: Record<string, string> = {}): ConsoleRequest {
  const { method, path } = CONSOLE_API[endpoint];
  const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${endpoint}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  if (method === 'GET') {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(input ?? {})) {
      if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
    }
    const qs = query.toString();
    return { url: qs ? `${url}?${qs}` : url, method };
  }
  return { url, method, body: JSON.stringify(input ?? {}) };
}

const goneListeners = new Set<() => void>();

/** Called when an answer says the session is gone (expired, logged out elsewhere, account disabled). */
export function onSessionGone(listener: () => void): () => void {
  goneListeners.add(listener);
  return () => goneListeners.delete(listener);
}

export async function call<K extends ConsoleEndpoint>(
  endpoint: K,
  input: ConsoleApi[K]['input'],
  ...params: ParamsArg<K>
): Promise<ConsoleApi[K]['output']> {
  const req = requestFor(endpoint, input, params[0] as Record<string, string> | undefined);
  const headers: Record<string, string> = req.body === undefined ? {} : { 'Content-Type': 'application/json' };
  try {
    return (await sendJson(req.url, { method: req.method, credentials: 'same-origin', headers, body: req.body })) as ConsoleApi[K]['output'];
  } catch (e) {
    const err = ApiError.from(e);
    if (err.kind === 'unauthenticated' && endpoint !== 'login') goneListeners.forEach((l) => l());
    throw err;
  }
}
