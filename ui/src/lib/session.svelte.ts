/** Who is logged in at this desk, and whether the station is set up yet. */
import { api, ApiError, DEVICE_REFUSED, getToken, onDeviceRefused, onUnauthenticated, setToken } from './backend';
import type { DemoLogin } from './generated/DemoLogin';
import type { DeskActions } from './generated/DeskActions';
import type { Home } from './generated/Home';
import type { Me } from './generated/Me';
import type { Session } from './generated/Session';
import type { SetupStatus } from './generated/SetupStatus';
import { navigate, route } from './router.svelte';

export const session = $state<{
  me: Me | null;
  status: SetupStatus | null;
  ready: boolean;
  startError: string | null;
  /** A workshop tablet the station does not know (yet): only the pairing screen is open to it. */
  needsPairing: boolean;
  /** A tablet left idle: the PIN screen covers the screen, whose work stays as it was underneath. */
  locked: boolean;
}>({
  me: null,
  status: null,
  ready: false,
  startError: null,
  needsPairing: false,
  locked: false,
});

const PUBLIC_PATHS = ['/setup', '/login', '/pair'];

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
    if (e instanceof ApiError && DEVICE_REFUSED.includes(e.code)) {
      session.needsPairing = true;
      navigate('/pair', undefined, true);
    } else {
      session.startError = e instanceof Error ? e.message : String(e);
    }
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
  session.locked = false;
  session.me = { staff: s.staff, station: s.station, can_view_kpis: s.can_view_kpis, may: s.may, home: s.home, idle_minutes: s.idle_minutes };
}

/** A tablet idle too long (by the clock here, or the station's `auth.idle`): its session ends and the PIN screen covers the page. */
export async function lock(): Promise<void> {
  if (!session.me || session.locked) return;
  session.locked = true;
  if (getToken()) await api.call('logout', {}).catch(() => undefined);
  setToken(null);
}

/** Someone else takes the locked tablet: what was on screen goes with the previous person. */
export function unlockAsSomeoneElse(): void {
  session.locked = false;
  session.me = null;
  navigate('/login');
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


onUnauthenticated((err) => {
  if (err.code === 'auth.idle' && session.me) {
    session.locked = true;
    return;
  }
  if (session.locked) return;
  session.me = null;
  navigate('/login');
});

onDeviceRefused(() => {
  session.me = null;
  session.locked = false;
  session.needsPairing = true;
  navigate('/pair');
});

/** The demo's logins, shown on the login screen right after the demo data is loaded. */
export const demoLogins = $state<{ list: DemoLogin[] }>({ list: [] });

const NOBODY: DeskActions = {
  check_in: false,
  edit_archive: false,
  confirm_odometer_rollback: false,
  receive_stock: false,
  edit_price_lists: false,
  configure_station: false,
  manage_staff: false,
  view_kpis: false,
  verify_documents: false,
  destroy_records: false,
  my_jobs: false,
  qc_queue: false,
  access_register: false,
};

/** What the logged-in person may do at the desk, as the core says (`me.may`); nothing when logged out. */
export function may(): DeskActions {
  return session.me?.may ?? NOBODY;
}
