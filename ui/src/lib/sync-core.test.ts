import { describe, expect, it } from 'vitest';
import type { SyncStatus } from './generated/SyncStatus';
import { clockWarning, syncLevel } from './sync-core';

const NOW = Date.parse('2026-11-23T10:00:00Z');
const base: SyncStatus = {
  enrolled: true, head_office_url: 'https://ho.example.com', head_office_station: 'SH01', enrolled_at: '2026-11-01T00:00:00Z',
  last_success_at: '2026-11-23T09:59:00Z', last_attempt_at: '2026-11-23T09:59:00Z', pending_changes: 0, parked_records: 0, last_error: null,
  update_required: false, needs_enrollment: false, running: false, next_attempt_at: null, clock_offset_ms: 200, rejections: [], rejection_count: 0,
};

describe('the sync level', () => {
  it('is standalone without a head office', () => {
    expect(syncLevel(null, NOW)).toBe('standalone');
    expect(syncLevel({ ...base, enrolled: false }, NOW)).toBe('standalone');
  });
  it('is ok after a recent pass with nothing waiting', () => expect(syncLevel(base, NOW)).toBe('ok'));
  it('waits with changes queued, when never synced, or when the last pass is old', () => {
    expect(syncLevel({ ...base, pending_changes: 3 }, NOW)).toBe('waiting');
    expect(syncLevel({ ...base, last_success_at: null }, NOW)).toBe('waiting');
    expect(syncLevel({ ...base, last_success_at: '2026-11-23T09:00:00Z' }, NOW)).toBe('waiting');
  });
  it('is an error for update required, enroll again, or an error newer than the last success', () => {
    expect(syncLevel({ ...base, update_required: true }, NOW)).toBe('error');
    expect(syncLevel({ ...base, needs_enrollment: true }, NOW)).toBe('error');
    expect(syncLevel({ ...base, last_error: { code: 'sync.unreachable', message: '', at: '2026-11-23T09:59:30Z' } }, NOW)).toBe('error');
    expect(syncLevel({ ...base, last_error: { code: 'sync.unreachable', message: '', at: '2026-11-23T09:00:00Z' } }, NOW)).toBe('ok');
  });
  it('warns about the clock beyond two minutes either way', () => {
    expect(clockWarning(base)).toBe(false);
    expect(clockWarning({ ...base, clock_offset_ms: -5 * 60_000 })).toBe(true);
    expect(clockWarning({ ...base, clock_offset_ms: null })).toBe(false);
  });
});
