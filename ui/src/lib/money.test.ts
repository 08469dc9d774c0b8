import { describe, expect, it } from 'vitest';
import shared from '../../../crates/station/src/domain/money_cases.json';
import { formatClock, formatMoney, formatQty, formatStopwatch, moneyInput, parseMoney, parseQty } from './money';


describe('money and quantities', () => {
  it('formats fen as yuan with two decimals', () => {
    expect(formatMoney(11299)).toBe('112.99');
    expect(formatMoney(5)).toBe('0.05');
    expect(formatMoney(123456789)).toBe('1,234,567.89');
    expect(formatMoney(-250)).toBe('-2.50');
  });

  it('reads what a person types exactly as the core does, thousands separators refused', () => {
    expect(shared.cases.length).toBeGreaterThan(10);
    // The cases `Money::parse` is tested against in the core (domain/money_cases.json).
    for (const [typed, minor] of shared.cases as [string, number | null][]) expect(parseMoney(typed), JSON.stringify(typed)).toBe(minor);
  });

  it('parses what a person types, refusing fractions of a fen', () => {
    expect(parseMoney('33.33')).toBe(3333);
    expect(parseMoney('1,200')).toBeNull();
    expect(parseMoney('0.5')).toBe(50);
    expect(moneyInput(123456789)).toBe('1234567.89');
    expect(parseMoney(moneyInput(123456789))).toBe(123456789);
    expect(parseMoney('33.333')).toBeNull();
    expect(parseMoney('abc')).toBeNull();
    expect(parseMoney('')).toBeNull();
  });

  it('keeps quantities in thousandths', () => {
    expect(parseQty('1.5')).toBe(1500);
    expect(parseQty('2')).toBe(2000);
    expect(parseQty('0.125')).toBe(125);
    expect(parseQty('0.1255')).toBeNull();
    expect(formatQty(1500)).toBe('1.5');
    expect(formatQty(2000)).toBe('2');
    expect(formatQty(125)).toBe('0.125');
  });

  it('shows clocked time', () => {
    expect(formatClock(3900)).toBe('1:05');
    expect(formatStopwatch(3909)).toBe('1:05:09');
  });
});

describe('percentages in basis points', () => {
  it('shows basis points as a percentage', async () => {
    const { formatPercentBp } = await import('./money');
    expect(formatPercentBp(1300)).toBe('13');
    expect(formatPercentBp(650)).toBe('6.5');
    expect(formatPercentBp(625)).toBe('6.25');
    expect(formatPercentBp(0)).toBe('0');
    expect(formatPercentBp(10000)).toBe('100');
  });
  it('reads a percentage into basis points, refusing what the core would not store', async () => {
    const { parsePercentBp } = await import('./money');
    expect(parsePercentBp('13')).toBe(1300);
    expect(parsePercentBp('6.5')).toBe(650);
    expect(parsePercentBp(' 6.25 % ')).toBe(625);
    expect(parsePercentBp('9,5')).toBe(950);
    expect(parsePercentBp('100')).toBe(10000);
    expect(parsePercentBp('100.01')).toBeNull();
    expect(parsePercentBp('6.255')).toBeNull();
    expect(parsePercentBp('-1')).toBeNull();
    expect(parsePercentBp('')).toBeNull();
  });
});
