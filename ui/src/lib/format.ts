/** Dates, durations and numbers as the desk reads them. */
import type { Better } from './generated/Better';
import type { Granularity } from './generated/Granularity';
import type { Unit } from './generated/Unit';
import { isChinese, type Locale } from './i18n-core';
import { formatYuan } from './money';

/** The two Chinese locales write units the same way, in their own characters (hours: 小时 / 小時). */
function hoursWord(locale: Locale): string {
  return locale === 'zh-TW' ? '小時' : '小时';
}

/** "1h 20m" / "1小时20分"; days beyond 48 h. */
export function formatDuration(ms: number, locale: Locale): string {
  const totalMinutes = Math.max(0, Math.floor(Math.abs(ms) / 60000));
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const zh = isChinese(locale);
  const parts: string[] = [];
  if (days >= 2) {
    parts.push(zh ? `${days}天` : `${days}d`);
    if (hours) parts.push(zh ? `${hours}${hoursWord(locale)}` : `${hours}h`);
  } else {
    const h = days * 24 + hours;
    if (h) parts.push(zh ? `${h}${hoursWord(locale)}` : `${h}h`);
    if (minutes || !h) parts.push(zh ? `${minutes}分` : `${minutes}m`);
  }
  return parts.join(zh ? '' : ' ');
}

export function formatDateTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
}

export function formatTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay
    ? d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false })
    : d.toLocaleString(locale, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
}

export function formatKm(km: number | null | undefined, locale: Locale): string {
  if (km === null || km === undefined) return '—';
  return `${km.toLocaleString(locale)} km`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A `datetime-local` value (local wall time) as RFC 3339 with the desk's offset. */
export function localInputToRfc3339(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return undefined;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** A Date as a `datetime-local` value. */
export function toLocalInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A sensible default promise: 17:30 today if that is 2 h away, else three hours from now on the half hour. */
export function defaultPromise(now = new Date()): string {
  const evening = new Date(now);
  evening.setHours(17, 30, 0, 0);
  if (evening.getTime() - now.getTime() >= 2 * 3600_000) return toLocalInput(evening);
  const later = new Date(now.getTime() + 3 * 3600_000);
  later.setMinutes(later.getMinutes() < 30 ? 30 : 60, 0, 0);
  return toLocalInput(later);
}

/** A clock's seconds as the desk reads them: "3 h 20 min" / "3小时20分"; days beyond 48 h ("3 d 4 h" / "3天4小时"). The sign is dropped. */
export function formatSeconds(secs: number, locale: Locale): string {
  const totalMinutes = Math.floor(Math.abs(secs) / 60);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const zh = isChinese(locale);
  const unit = (n: number, u: 'd' | 'h' | 'min') => (zh ? `${n}${{ d: '天', h: hoursWord(locale), min: '分' }[u]}` : `${n} ${u}`);
  const parts: string[] = [];
  if (days >= 2) {
    parts.push(unit(days, 'd'));
    if (hours) parts.push(unit(hours, 'h'));
  } else {
    const h = days * 24 + hours;
    if (h) parts.push(unit(h, 'h'));
    if (minutes || !h) parts.push(unit(minutes, 'min'));
  }
  return parts.join(zh ? '' : ' ');
}

function decimals(n: number, digits: number, locale: Locale): string {
  return n.toLocaleString(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * A KPI figure's value in its unit (kpi::Unit): a ratio as a percentage
 * ("66.7%"), a score ("4.0"), hours ("6.5 h" / "6.5小时"), money in fen
 * ("¥385.00"), per 100 orders ("25.0"), times a year ("6.1×/yr" / "6.1次/年"),
 * a count ("3"); "—" when nothing was counted.
 */
export function formatFigure(value: number | null | undefined, unit: Unit, locale: Locale): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const zh = isChinese(locale);
  switch (unit) {
    case 'ratio':
      return `${decimals(value * 100, 1, locale)}%`;
    case 'score':
      return decimals(value, 1, locale);
    case 'hours':
      return zh ? `${decimals(value, 1, locale)}${hoursWord(locale)}` : `${decimals(value, 1, locale)} h`;
    case 'minor':
      return formatYuan(Math.round(value));
    case 'per100':
      return decimals(value, 1, locale);
    case 'per_year':
      return zh ? `${decimals(value, 1, locale)}次/年` : `${decimals(value, 1, locale)}×/yr`;
    case 'count':
      return Math.round(value).toLocaleString(locale);
  }
}

/** The signed distance to a target: percentage points for a ratio ("−23.3 pp" / "−23.3个百分点"), else the unit's. */
export function formatGap(gap: number | null | undefined, unit: Unit, locale: Locale): string {
  if (gap === null || gap === undefined || !Number.isFinite(gap)) return '—';
  const sign = gap > 0 ? '+' : gap < 0 ? '−' : '±';
  if (unit === 'ratio') {
    const pp = decimals(Math.abs(gap) * 100, 1, locale);
    if (!isChinese(locale)) return `${sign}${pp} pp`;
    return `${sign}${pp}${locale === 'zh-TW' ? '個百分點' : '个百分点'}`;
  }
  return `${sign}${formatFigure(Math.abs(gap), unit, locale)}`;
}

/** A target with the way that is better: "≥ 90.0%", "≤ 24.0 h". */
export function formatTarget(target: number | null | undefined, unit: Unit, better: Better, locale: Locale): string {
  if (target === null || target === undefined) return '—';
  const mark = better === 'higher' ? '≥ ' : better === 'lower' ? '≤ ' : '';
  return `${mark}${formatFigure(target, unit, locale)}`;
}

/** A trend point's days by its granularity: "11-23" (a day), "11-23–11-29" (a week), "2026-11" (a month). */
export function formatBucket(from: string, to: string, granularity: Granularity): string {
  if (granularity === 'month') return from.slice(0, 7);
  if (granularity === 'day' || from === to) return from.slice(5);
  return `${from.slice(5)}–${to.slice(5)}`;
}

/** A station's clock offset: "+3 min" ahead, "−2 h 5 min" behind, "+40 s" under a minute ("+3分", "−40秒"). */
export function formatOffset(ms: number, locale: Locale): string {
  const secs = Math.round(Math.abs(ms) / 1000);
  const sign = secs === 0 ? '±' : ms > 0 ? '+' : '−';
  if (secs < 60) return isChinese(locale) ? `${sign}${secs}秒` : `${sign}${secs} s`;
  return `${sign}${formatSeconds(secs, locale)}`;
}
