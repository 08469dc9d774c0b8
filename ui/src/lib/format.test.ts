import { describe, expect, it } from 'vitest';
import { formatBucket, formatFigure, formatGap, formatOffset, formatSeconds, formatTarget } from './format';

describe('formatSeconds', () => {
  it('reads hours and minutes in both languages', () => {
    expect(formatSeconds(3 * 3600 + 20 * 60, 'en')).toBe('3 h 20 min');
    expect(formatSeconds(3 * 3600 + 20 * 60, 'zh-CN')).toBe('3小时20分');
    expect(formatSeconds(3 * 3600 + 20 * 60, 'zh-TW')).toBe('3小時20分');
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

describe('KPI figures', () => {
  it('shows each unit the way the desk reads it, in both languages', () => {
    expect(formatFigure(2 / 3, 'ratio', 'en')).toBe('66.7%');
    expect(formatFigure(4, 'score', 'zh-CN')).toBe('4.0');
    expect(formatFigure(6.5, 'hours', 'en')).toBe('6.5 h');
    expect(formatFigure(6.5, 'hours', 'zh-CN')).toBe('6.5小时');
    expect(formatFigure(38_500.4, 'minor', 'en')).toBe('¥385.00');
    expect(formatFigure(25, 'per100', 'en')).toBe('25.0');
    expect(formatFigure(6.08, 'per_year', 'zh-CN')).toBe('6.1次/年');
    expect(formatFigure(1234, 'count', 'en')).toBe('1,234');
  });

  it('shows a dash, not a zero, when nothing was counted', () => {
    expect(formatFigure(null, 'ratio', 'en')).toBe('—');
    expect(formatGap(null, 'ratio', 'zh-CN')).toBe('—');
    expect(formatTarget(null, 'hours', 'lower', 'en')).toBe('—');
  });

  it('gives a ratio\'s gap in percentage points and others in their unit, with a sign', () => {
    expect(formatGap(-0.2333, 'ratio', 'en')).toBe('−23.3 pp');
    expect(formatGap(0.05, 'ratio', 'zh-CN')).toBe('+5.0个百分点');
    expect(formatGap(0.05, 'ratio', 'zh-TW')).toBe('+5.0個百分點');
    expect(formatFigure(6.5, 'hours', 'zh-TW')).toBe('6.5小時');
    expect(formatGap(3.5, 'hours', 'en')).toBe('+3.5 h');
    expect(formatGap(0, 'score', 'en')).toBe('±0.0');
  });

  it('says which way a target is better', () => {
    expect(formatTarget(0.9, 'ratio', 'higher', 'en')).toBe('≥ 90.0%');
    expect(formatTarget(24, 'hours', 'lower', 'zh-CN')).toBe('≤ 24.0小时');
  });

  it('labels a trend point by its days', () => {
    expect(formatBucket('2026-11-23', '2026-11-23', 'day')).toBe('11-23');
    expect(formatBucket('2026-11-23', '2026-11-29', 'week')).toBe('11-23–11-29');
    expect(formatBucket('2026-11-01', '2026-11-30', 'month')).toBe('2026-11');
  });
});

describe('formatOffset', () => {
  it('signs a clock offset and reads seconds under a minute', () => {
    expect(formatOffset(3 * 60_000, 'en')).toBe('+3 min');
    expect(formatOffset(-(2 * 3600 + 5 * 60) * 1000, 'en')).toBe('−2 h 5 min');
    expect(formatOffset(-40_000, 'zh-CN')).toBe('−40秒');
    expect(formatOffset(0, 'en')).toBe('±0 s');
    expect(formatOffset(-300, 'en')).toBe('±0 s');
  });
});
