/**
 * Who is logged in to the console: `Me` (the account and its `can` flags, which
 * decide the nav and the buttons), read at start and after login, and forgotten
 * when any answer says the session is gone.
 */
import { ApiError } from '../lib/backend/errors';
import type { Me } from '../lib/generated/console/Me';
import { call, onSessionGone } from './api';

export const session = $state<{ me: Me | null; ready: boolean; error: ApiError | null }>({ me: null, ready: false, error: null });

onSessionGone(() => {
  session.me = null;
});

/** Asks who we are: a session cookie from an earlier visit may still be good. */
export async function start(): Promise<void> {
  session.error = null;
  try {
    session.me = await call('me', {});
  } catch (e) {
    const err = ApiError.from(e);
    session.me = null;
    if (err.kind !== 'unauthenticated') session.error = err;
  } finally {
    session.ready = true;
  }
}

export function loggedIn(me: Me): void {
  session.me = me;
  session.error = null;
}

export async function logout(): Promise<void> {
  try {
    await call('logout', {});
  } finally {
    session.me = null;
  }
}
