/**
 * A tiny hash router: `#/customers/42?then=checkin`. Hash URLs work the same in
 * the Tauri window (tauri://localhost), under `stationdesk serve` and from a file.
 */

export interface Route {
  path: string;
  query: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [pathPart, queryPart = ''] = raw.split('?', 2);
  const path = '/' + pathPart.split('/').filter(Boolean).map(decodeURIComponent).join('/');
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(queryPart)) query[k] = v;
  return { path, query };
}

/** `match('/customers/:id', '/customers/42')` → `{id: '42'}`, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = s[i];
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

export function href(path: string, query?: Record<string, string | undefined | null>): string {
  const segs = path.split('/').filter(Boolean).map(encodeURIComponent).join('/');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) q.set(k, v);
  const qs = q.toString();
  return `#/${segs}${qs ? `?${qs}` : ''}`;
}

export const route = $state<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash));

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    const next = parseHash(location.hash);
    route.path = next.path;
    route.query = next.query;
  });
}

export function navigate(path: string, query?: Record<string, string | undefined | null>, replace = false): void {
  const target = href(path, query);
  if (replace) {
    history.replaceState(null, '', target);
    const next = parseHash(target);
    route.path = next.path;
    route.query = next.query;
  } else {
    location.hash = target;
  }
}
