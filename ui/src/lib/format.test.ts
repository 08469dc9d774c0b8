import { describe, expect, it } from 'vitest';
import { formatSeconds } from './format';

describe('formatSeconds', () => {
  it('reads hours and minutes in both languages', () => {
    expect(formatSeconds(3 * 3600 + 20 * 60, 'en')).toBe('3 h 20 min');
    expect(formatSeconds(3 * 3600 + 20 * 60, 'zh-CN')).toBe('3小时20分');
  });

  it('drops zero minutes, and shows minutes alone under an hour', () => {
    expect(formatSeconds(3 * 3600, 'en')).toBe('3 h');
    expect(formatSeconds(59, 'zh-CN')).toBe('0分');
    expect(formatSeconds(45 * 60, 'en')).toBe('45 min');
  });

  it('counts days beyond 48 hours and ignores the sign of an overdue clock', () => {
    expect(formatSeconds(-(3 * 86400 + 4 * 3600 + 59 * 60), 'en')).toBe('3 d 4 h');
    expect(formatSeconds(3 * 86400, 'zh-CN')).toBe('3天');
    expect(formatSeconds(47 * 3600, 'zh-CN')).toBe('47小时');
  });
});
