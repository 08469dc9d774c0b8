/** What the sync status means for the user, with no Svelte in it so unit tests can load it. */
import type { SyncStatus } from './generated/SyncStatus';

/**
 * The top bar's dot: `standalone` (grey, no head office), `ok` (green, synced
 * recently, nothing waiting), `waiting` (amber: changes queued or not synced for
 * a while) or `error` (red: the last pass failed, update required, enroll again).
 */
export type SyncLevel = 'standalone' | 'ok' | 'waiting' | 'error';

/** Beyond this the station is "waiting" even with an empty outbox: the worker runs every 30 s. */
export const STALE_MS = 10 * 60_000;
/** Head office and station clocks further apart than this get a warning. */
export const CLOCK_WARN_MS = 2 * 60_000;

/** Whether the last error is newer than the last success (the worker keeps it until a pass succeeds). */
export function hasCurrentError(s: SyncStatus): boolean {
  if (!s.last_error) return false;
  if (!s.last_success_at || !s.last_error.at) return true;
  return Date.parse(s.last_error.at) >= Date.parse(s.last_success_at);
}

export function syncLevel(s: SyncStatus | null, now = Date.now()): SyncLevel {
  if (!s || !s.enrolled) return 'standalone';
  if (s.update_required || s.needs_enrollment || hasCurrentError(s)) return 'error';
  if (s.pending_changes > 0 || !s.last_success_at || now - Date.parse(s.last_success_at) > STALE_MS) return 'waiting';
  return 'ok';
}

/** Whether the clock offset is large enough to warn about. */
export function clockWarning(s: SyncStatus | null): boolean {
  return !!s && s.clock_offset_ms !== null && Math.abs(s.clock_offset_ms) > CLOCK_WARN_MS;
}
