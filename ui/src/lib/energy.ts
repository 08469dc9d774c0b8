/**
 * Which levels check-in reads for a vehicle's energy. The core's rule
 * (`check_in::levels`, `Energy::has_fuel/has_battery`) decides and refuses a
 * check-in that lacks one; this only chooses which inputs to show.
 */
import type { Energy } from './generated/Energy';

export const ENERGIES: Energy[] = ['fuel', 'hybrid', 'electric'];

export function readsFuel(energy: Energy | null): boolean {
  return energy === 'fuel' || energy === 'hybrid';
}

export function readsBattery(energy: Energy | null): boolean {
  return energy === 'electric' || energy === 'hybrid';
}

/** A battery level as typed: whole percent, 0–100, or null while it is not one. */
export function parsePercent(raw: string): number | null {
  const s = raw.trim().replace(/[%％\s]/g, '');
  if (!/^\d{1,3}$/.test(s)) return null;
  const n = Number(s);
  return n <= 100 ? n : null;
}
