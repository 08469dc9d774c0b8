/**
 * A customer's name as screens show it. A customer destroyed past retention
 * has no name left (the record keeps a placeholder for older stations); the
 * core flags it (`destroyed`) and the screen says so in the reader's language.
 */
import { t } from './i18n.svelte';

export function customerName(c: { name: string; destroyed: boolean }): string {
  return c.destroyed ? t('customer.destroyed_name') : c.name;
}
