/** Everything the check-in wizard collects, shared by its steps. */
import type { Mark } from '../../lib/components/DamageDiagram.svelte';
import { defaultPromise, localInputToRfc3339 } from '../../lib/format';
import type { CheckInInput } from '../../lib/generated/CheckInInput';
import type { CustomerDetail } from '../../lib/generated/CustomerDetail';
import type { Energy } from '../../lib/generated/Energy';
import type { Priority } from '../../lib/generated/Priority';
import type { ServiceType } from '../../lib/generated/ServiceType';

export const SERVICE_TYPES: ServiceType[] = ['maintenance', 'repair', 'warranty', 'accident', 'recall', 'inspection'];
export const PRIORITIES: Priority[] = ['normal', 'high', 'urgent'];

export interface DraftConcern {
  text: string;
  codes: string;
}

export interface DraftPhoto {
  sha256: string;
  caption: string;
}

/** Which step shows an error about each input field. */
export function stepOfField(field: string | undefined | null): number | null {
  if (!field) return null;
  const top = field.split('.')[0];
  if (top === 'customer_id' || top === 'vehicle_id') return 1;
  if (['odometer_km', 'fuel_eighths', 'battery_percent', 'energy', 'damage_marks', 'photos', 'photo', 'personal_items', 'manager_pin'].includes(top)) return 2;
  if (['concerns', 'service_type', 'promised_at', 'priority'].includes(top)) return 3;
  return null;
}

export function splitCodes(raw: string): string[] {
  return raw
    .split(/[\s,，;；、]+/)
    .map((c) => c.trim())
    .filter(Boolean);
}

/** A battery level as typed: whole percent, 0–100, or null while it is not one. */
export function parsePercent(raw: string): number | null {
  const s = raw.trim().replace(/[%％\s]/g, '');
  if (!/^\d{1,3}$/.test(s)) return null;
  const n = Number(s);
  return n <= 100 ? n : null;
}

export class CheckInDraft {
  customer = $state<CustomerDetail | null>(null);
  vehicleId = $state<string | null>(null);
  odometer = $state('');
  /** Nobody has read the gauge until someone does: no default level. */
  fuel = $state<number | null>(null);
  battery = $state('');
  /** Asked when the vehicle's record does not say what it runs on. */
  askedEnergy = $state<Energy | null>(null);
  marks = $state<Mark[]>([]);
  photos = $state<DraftPhoto[]>([]);
  items = $state('');
  concerns = $state<DraftConcern[]>([{ text: '', codes: '' }]);
  serviceType = $state<ServiceType>('maintenance');
  promised = $state(defaultPromise());
  priority = $state<Priority>('normal');
  managerPin = $state('');

  vehicle = $derived(this.customer?.vehicles.find((v) => v.id === this.vehicleId) ?? null);
  energy = $derived(this.vehicle?.energy ?? this.askedEnergy);
  /** The core's rule for this energy (`CustomerDetail.energy_levels`): which gauges are read. */
  levels = $derived(this.customer?.energy_levels.find((l) => l.energy === this.energy) ?? null);
  readsFuel = $derived(this.levels?.fuel ?? false);
  readsBattery = $derived(this.levels?.battery ?? false);

  batteryPercent(): number | null {
    return parsePercent(this.battery);
  }

  odometerKm(): number | null {
    const raw = this.odometer.replace(/[\s,，_]/g, '');
    if (!/^\d+$/.test(raw)) return null;
    return Number(raw);
  }

  toInput(confirm: string[]): CheckInInput {
    const promised = localInputToRfc3339(this.promised);
    const battery = this.batteryPercent();
    return {
      customer_id: this.customer?.customer.id ?? '',
      vehicle_id: this.vehicleId ?? '',
      service_type: this.serviceType,
      odometer_km: this.odometerKm() ?? -1,
      ...(this.readsFuel && this.fuel !== null ? { fuel_eighths: this.fuel } : {}),
      ...(this.readsBattery && battery !== null ? { battery_percent: battery } : {}),
      ...(this.vehicle && !this.vehicle.energy && this.askedEnergy ? { energy: this.askedEnergy } : {}),
      damage_marks: this.marks.map((m) => ({ x: m.x, y: m.y, kind: m.kind, note: m.note })),
      photos: this.photos.map((p) => ({ sha256: p.sha256, caption: p.caption })),
      personal_items: this.items,
      concerns: this.concerns.map((c) => ({ text: c.text, fault_codes: splitCodes(c.codes) })),
      ...(promised ? { promised_at: promised } : {}),
      priority: this.priority,
      confirm,
      ...(this.managerPin ? { manager_pin: this.managerPin } : {}),
    };
  }
}
