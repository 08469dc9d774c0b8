/** The console's pages and the `can` flag that opens each: the nav shows what the role may do, as the head office says. */
import type { Can } from '../lib/generated/console/Can';

export interface NavEntry {
  id: 'stations' | 'kpis' | 'complaints' | 'recalls' | 'privacy' | 'users' | 'master' | 'audit';
  path: string;
}

/** `also`: a second flag that opens the page too (the master-data page's category tree, for quality managers). */
const PAGES: { entry: NavEntry; flag: keyof Can; also?: keyof Can }[] = [
  { entry: { id: 'stations', path: '/stations' }, flag: 'view_stations' },
  { entry: { id: 'kpis', path: '/kpis' }, flag: 'view_kpis' },
  { entry: { id: 'complaints', path: '/complaints' }, flag: 'view_complaints' },
  { entry: { id: 'recalls', path: '/recalls' }, flag: 'view_recalls' },
  { entry: { id: 'privacy', path: '/privacy' }, flag: 'view_access_register' },
  { entry: { id: 'users', path: '/users' }, flag: 'manage_users' },
  { entry: { id: 'master', path: '/master' }, flag: 'manage_master_data', also: 'manage_complaint_categories' },
  { entry: { id: 'audit', path: '/audit' }, flag: 'view_audit' },
];

export function navEntries(can: Can): NavEntry[] {
  return PAGES.filter((p) => can[p.flag] || (p.also !== undefined && can[p.also])).map((p) => p.entry);
}

/** Where `/console/` leads: the first page the role may open. */
export function home(can: Can): string {
  return navEntries(can)[0]?.path ?? '/stations';
}
