/** Small readers for after-sales records: category names in the desk's language. */
import type { Category } from './generated/Category';
import { isChinese, type Locale } from './i18n-core';

export function categoryName(c: Pick<Category, 'name_zh' | 'name_en'>, locale: Locale): string {
  return isChinese(locale) ? c.name_zh : c.name_en || c.name_zh;
}

/** The entries from the top level down to `id` (empty when unknown). */
export function categoryChain(categories: Category[], id: string | null | undefined): Category[] {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const chain: Category[] = [];
  let c = id ? byId.get(id) : undefined;
  while (c && chain.length < 3) {
    chain.unshift(c);
    c = c.parent_id ? byId.get(c.parent_id) : undefined;
  }
  return chain;
}

/** The entry's name in the other language, or '' when it has none of its own. */
export function categoryOtherName(c: Pick<Category, 'name_zh' | 'name_en'>, locale: Locale): string {
  const other = isChinese(locale) ? c.name_en : c.name_zh;
  return other && other !== categoryName(c, locale) ? other : '';
}

/** The entries under `parentId` (null: the top level), in the order the core lists them. */
export function categoryChildren(categories: Category[], parentId: string | null): Category[] {
  return categories.filter((c) => c.parent_id === parentId);
}
