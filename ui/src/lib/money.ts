/**
 * Money and quantities as the core sends them: money in integer fen, quantities
 * in thousandths (1500 = 1.5 h or 1.5 L). Parsing never rounds silently: a value
 * with too many decimals is refused (null) so the form can say so.
 */

/** 12345 → "123.45"; negative amounts keep their sign. */
export function formatMoney(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

/** "¥123.45" */
export function formatYuan(fen: number): string {
  return `¥${formatMoney(fen)}`;
}

/** Full-width forms (１２３．４５, the ideographic space) as their ASCII twins, as `fold_width` in the core does. */
function foldWidth(raw: string): string {
  return raw.replace(/[\uFF01-\uFF5E\u3000]/g, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

/**
 * Reads what a person typed exactly as `Money::parse` in the core does
 * (domain/money.rs): an optional sign, digits, and at most `decimals` digits
 * after a point. No thousands separators or currency signs: `1,234` means
 * different things in different countries, so the core refuses it and so does
 * this. `crates/station/src/domain/money_cases.json` holds the cases both check.
 */
function parseScaled(raw: string, decimals: number): number | null {
  const m = /^([-+]?)(\d+)(?:\.(\d+))?$/.exec(foldWidth(raw).trim());
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.length > decimals) return null;
  const value = Number(m[2]) * 10 ** decimals + Number(frac.padEnd(decimals, '0') || '0');
  if (!Number.isSafeInteger(value)) return null;
  return m[1] === '-' ? -value : value;
}

/** "123.4" → 12340 fen; null when `Money::parse` would refuse it. */
export function parseMoney(raw: string): number | null {
  return parseScaled(raw, 2);
}

/** 12345 → "123.45", for an input the person edits: no thousands separators, so it reads back as typed. */
export function moneyInput(fen: number): string {
  return formatMoney(fen).replace(/,/g, '');
}

/** 1500 → "1.5"; 2000 → "2". */
export function formatQty(milli: number): string {
  const sign = milli < 0 ? '-' : '';
  const abs = Math.abs(milli);
  const whole = Math.floor(abs / 1000);
  const frac = String(abs % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${sign}${whole}${frac ? `.${frac}` : ''}`;
}

/** "1.5" → 1500; null when it is not a number with at most three decimals. */
export function parseQty(raw: string): number | null {
  return parseScaled(raw, 3);
}

/** Seconds as "1:05" (h:mm), for clocked time. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}`;
}

/** Seconds as "1:05:09" (h:mm:ss), for a running clock. */
export function formatStopwatch(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${formatClock(s)}:${String(s % 60).padStart(2, '0')}`;
}

/** Seconds as hours with two decimals: 5400 → "1.50". */
export function secondsToHours(seconds: number): string {
  return (seconds / 3600).toFixed(2);
}

/** Basis points as a percentage: 1300 → "13", 650 → "6.5", 625 → "6.25". */
export function formatPercentBp(bp: number): string {
  const whole = Math.floor(bp / 100);
  const frac = String(bp % 100).padStart(2, '0').replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''}`;
}

/** "13" → 1300 basis points, "6.25%" → 625; null unless 0–100 with at most two decimals. */
export function parsePercentBp(raw: string): number | null {
  const m = /^\s*(\d{1,3})(?:[.,。](\d{1,2}))?\s*%?\s*$/.exec(raw);
  if (!m) return null;
  const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return bp <= 10_000 ? bp : null;
}
