/**
 * The station's sync with the head office, as every screen sees it: the last
 * `sync_status` (the top bar's dot polls it), "sync now" followed by a short
 * burst of polling.
 */
import { api, ApiError } from './backend';
import type { SyncStatus } from './generated/SyncStatus';

export const sync = $state<{ status: SyncStatus | null; error: ApiError | null; polling: boolean }>({
  status: null,
  error: null,
  polling: false,
});

export async function refreshSync(): Promise<SyncStatus | null> {
  try {
    sync.status = await api.call('sync_status', {});
    sync.error = null;
  } catch (e) {
    sync.error = ApiError.from(e);
  }
  return sync.status;
}

/** Takes the status an operation answered with (enroll_station, sync_now). */
export function setSyncStatus(s: SyncStatus): void {
  sync.status = s;
  sync.error = null;
}

const BURST_EVERY_MS = 2_500;
const BURST_FOR_MS = 30_000;
let burst: ReturnType<typeof setInterval> | null = null;

/**
 * Polls `sync_status` every 2.5 s for up to 30 s, stopping once a pass has run
 * (an attempt after `since`) and none is running.
 */
export function pollAfterWake(since = Date.now()): void {
  if (burst) clearInterval(burst);
  const until = since + BURST_FOR_MS;
  sync.polling = true;
  const stop = () => {
    if (burst) clearInterval(burst);
    burst = null;
    sync.polling = false;
  };
  burst = setInterval(async () => {
    const s = await refreshSync();
    const attempted = !!s?.last_attempt_at && Date.parse(s.last_attempt_at) >= since - 1000;
    if ((s && !s.running && attempted) || Date.now() > until || !s?.enrolled) stop();
  }, BURST_EVERY_MS);
}

/** "Sync now": wakes the worker (it answers at once), then polls for the outcome. */
export async function syncNow(): Promise<void> {
  const since = Date.now();
  setSyncStatus(await api.call('sync_now', {}));
  pollAfterWake(since);
}
