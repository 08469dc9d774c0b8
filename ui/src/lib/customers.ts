/**
 * A customer's name as screens show it. A customer destroyed past retention
 * has no name left (the record keeps a placeholder for older stations); the
 * core flags it (`destroyed`) and the screen says so in the reader's language.
 */
import { t } from './i18n.svelte';

export function customerName(c: { name: string; destroyed: boolean }): string {
  return c.destroyed ? t('customer.destroyed_name') : c.name;
}

/** A list row's customer name (board cards, follow-ups, KPI drill-downs, the access register): the core flags a destroyed one. */
export function rowCustomerName<N extends string | null>(r: { customer_name: N; customer_destroyed: boolean }): string | N {
  return r.customer_destroyed ? t('customer.destroyed_name') : r.customer_name;
}
