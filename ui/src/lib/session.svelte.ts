/** Who is logged in at this desk, and whether the station is set up yet. */
import { api, getToken, onUnauthenticated, setToken } from './backend';
import type { DemoLogin } from './generated/DemoLogin';
import type { Home } from './generated/Home';
import type { Role } from './generated/Role';
import type { Me } from './generated/Me';
import type { Session } from './generated/Session';
import type { SetupStatus } from './generated/SetupStatus';
import { navigate, route } from './router.svelte';

export const session = $state<{ me: Me | null; status: SetupStatus | null; ready: boolean; startError: string | null }>({
  me: null,
  status: null,
  ready: false,
  startError: null,
});

const PUBLIC_PATHS = ['/setup', '/login'];

/** Each home screen the core may name (`Me.home`), as a route. */
const HOME_PATHS: Record<Home, string> = { board: '/board', my_jobs: '/my-jobs', qc_queue: '/qc' };

/** Where the logged-in staff member starts: the screen the core named for their role. */
export function homePath(): string {
  return HOME_PATHS[session.me?.home ?? 'board'];
}

/** At start-up: setup status, then the stored session if it is still good. */
export async function start(): Promise<void> {
  try {
    session.status = await api.call('setup_status', {});
    if (!session.status.is_set_up) {
      setToken(null);
      session.me = null;
      navigate('/setup', undefined, true);
    } else if (getToken()) {
      try {
        session.me = await api.call('me', {});
        if (PUBLIC_PATHS.includes(route.path) || route.path === '/') navigate(homePath(), undefined, true);
      } catch {
        session.me = null;
        navigate('/login', undefined, true);
      }
    } else {
      navigate('/login', undefined, true);
    }
    session.startError = null;
  } catch (e) {
    session.startError = e instanceof Error ? e.message : String(e);
  } finally {
    session.ready = true;
  }
}

export async function refreshStatus(): Promise<SetupStatus> {
  session.status = await api.call('setup_status', {});
  return session.status;
}

export function loggedIn(s: Session): void {
  setToken(s.token);
  session.me = { staff: s.staff, station: s.station, can_view_kpis: s.can_view_kpis, home: s.home };
}

export async function logout(): Promise<void> {
  try {
    await api.call('logout', {});
  } catch {
    /* the session may already be gone */
  }
  setToken(null);
  session.me = null;
  await refreshStatus().catch(() => undefined);
  navigate('/login');
}

/** Advisors and managers check vehicles in and edit archives. */
export function canEdit(): boolean {
  const role = session.me?.staff.role;
  return role === 'advisor' || role === 'manager';
}

onUnauthenticated(() => {
  session.me = null;
  navigate('/login');
});

/** The demo's logins, shown on the login screen right after the demo data is loaded. */
export const demoLogins = $state<{ list: DemoLogin[] }>({ list: [] });

/** The logged-in staff member's role, or null. */
export function role(): Role | null {
  return session.me?.staff.role ?? null;
}

/** Whether the logged-in role is one of `roles` (managers may do everything). */
export function can(...roles: Role[]): boolean {
  const r = role();
  return r !== null && (r === 'manager' || roles.includes(r));
}
