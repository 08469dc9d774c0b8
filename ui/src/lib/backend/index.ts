/**
 * The UI's one way to the station core. `api.call(op, input)` is typed from the
 * generated `Operations` map; the transport is Tauri IPC inside the desktop
 * window and HTTP JSON in a browser. The session token lives here (and in
 * sessionStorage, so a reload keeps the user logged in).
 */
import { httpBackend } from './http';
import { tauriBackend } from './tauri';
import type { Backend, Input, OperationName, Output } from './types';
import { ApiError } from './errors';

export { ApiError } from './errors';
export type { Backend, Input, Output, OperationName } from './types';

const TOKEN_KEY = 'stationdesk.token';

let memoryToken: string | null = null;

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

export function getToken(): string | null {
  return storage()?.getItem(TOKEN_KEY) ?? memoryToken;
}

export function setToken(token: string | null): void {
  memoryToken = token;
  const s = storage();
  if (!s) return;
  if (token) s.setItem(TOKEN_KEY, token);
  else s.removeItem(TOKEN_KEY);
}

/** Tauri when the page runs inside the Tauri webview, HTTP otherwise. */
export function pickBackend(win: object | undefined = typeof window === 'undefined' ? undefined : window): Backend {
  if (win && '__TAURI_INTERNALS__' in win) return tauriBackend(getToken);
  return httpBackend(getToken);
}

let backend: Backend | null = null;
const unauthenticatedListeners = new Set<(err: ApiError) => void>();

/** Called when any operation says the session is gone (expired, idle on a tablet, logged out elsewhere). */
export function onUnauthenticated(listener: (err: ApiError) => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/** The codes with which the station refuses a browser on the network that is not (or no longer) paired. */
export const DEVICE_REFUSED = ['device.unpaired', 'device.revoked'];
const deviceListeners = new Set<() => void>();

/** Called when the station refuses this browser as an unpaired or revoked device (a workshop tablet). */
export function onDeviceRefused(listener: () => void): () => void {
  deviceListeners.add(listener);
  return () => deviceListeners.delete(listener);
}

const callListeners = new Set<(op: OperationName) => void>();

/** Called after every operation that succeeded, with its name: views that summarise
 *  others' records (the top bar's deadlines) read again after a change. */
export function onCalled(listener: (op: OperationName) => void): () => void {
  callListeners.add(listener);
  return () => callListeners.delete(listener);
}

export const api = {
  get backend(): Backend {
    backend ??= pickBackend();
    return backend;
  },
  /** For tests: replace the transport. */
  use(b: Backend | null): void {
    backend = b;
  },
  async call<K extends OperationName>(op: K, input: Input<K>): Promise<Output<K>> {
    // A refusal speaks for the session the call was made with. A poll sent before an idle
    // lock can come back refused after the same person unlocked with a new session: that
    // must not end the new one.
    const sent = getToken();
    try {
      const out = await api.backend.call(op, input);
      callListeners.forEach((l) => l(op));
      return out;
    } catch (e) {
      const err = ApiError.from(e);
      if (err.kind === 'unauthenticated' && sent !== null && getToken() === sent) {
        setToken(null);
        unauthenticatedListeners.forEach((l) => l(err));
      }
      if (DEVICE_REFUSED.includes(err.code)) {
        setToken(null);
        deviceListeners.forEach((l) => l());
      }
      throw err;
    }
  },
};
