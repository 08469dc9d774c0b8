import { describe, expect, it } from 'vitest';
import { formatClock, formatMoney, formatQty, formatStopwatch, parseMoney, parseQty } from './money';

describe('money and quantities', () => {
  it('formats fen as yuan with two decimals', () => {
    expect(formatMoney(11299)).toBe('112.99');
    expect(formatMoney(5)).toBe('0.05');
    expect(formatMoney(123456789)).toBe('1,234,567.89');
    expect(formatMoney(-250)).toBe('-2.50');
  });

  it('parses what a person types, refusing fractions of a fen', () => {
    expect(parseMoney('33.33')).toBe(3333);
    expect(parseMoney('¥1,200')).toBe(120000);
    expect(parseMoney('0.5')).toBe(50);
    expect(parseMoney('.5')).toBe(50);
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
