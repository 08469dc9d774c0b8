/**
 * The console's pages are real paths under /console (`/console/kpis?preset=this_month`):
 * the head office answers every one of them with the console's index.html, so a
 * reload or a shared link opens the same view. History API, no hash.
 */
import { match } from '../lib/router.svelte';

export { match };

export const BASE = '/console';

export interface Route {
  path: string;
  query: Record<string, string>;
}

export function parseLocation(pathname: string, search: string): Route {
  const inside = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const path = '/' + inside.split('/').filter(Boolean).map(decodeURIComponent).join('/');
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) query[k] = v;
  return { path, query };
}

/** `/console/kpis?preset=this_week` for `('/kpis', {preset: 'this_week'})`; empty values are left out. */
export function href(path: string, query?: Record<string, string | undefined | null>): string {
  const segs = path.split('/').filter(Boolean).map(encodeURIComponent).join('/');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) q.set(k, v);
  const qs = q.toString();
  return `${BASE}/${segs}${qs ? `?${qs}` : ''}`;
}

export const route = $state<Route>(typeof location === 'undefined' ? { path: '/', query: {} } : parseLocation(location.pathname, location.search));

function sync(): void {
  const next = parseLocation(location.pathname, location.search);
  route.path = next.path;
  route.query = next.query;
}

if (typeof window !== 'undefined') window.addEventListener('popstate', sync);

export function navigate(path: string, query?: Record<string, string | undefined | null>, replace = false): void {
  const target = href(path, query);
  if (replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  sync();
  if (!replace) window.scrollTo(0, 0);
}

/** For a link's onclick: a plain click stays in the page; a middle or modified click opens a tab as usual. */
export function follow(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.currentTarget as HTMLElement | null)?.closest('a');
  if (!a || a.target) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(BASE)) return;
  e.preventDefault();
  const next = parseLocation(url.pathname, url.search);
  navigate(next.path, next.query);
}
