/** Locale plumbing with no Svelte in it, so unit tests can load it directly. */

export type Locale = 'zh-CN' | 'zh-TW' | 'en';
export const LOCALES: Locale[] = ['zh-CN', 'zh-TW', 'en'];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

/**
 * Simplified and Traditional Chinese share units, word order and the Chinese
 * names of records (categories, manufacturers), which are kept in one Chinese
 * text: what differs between them is in the locale files.
 */
export function isChinese(locale: Locale): boolean {
  return locale !== 'en';
}

/** Each language's name in its own script, as a language choice or a document's language shows it. */
export const LOCALE_NAMES: Record<Locale, string> = { 'zh-CN': '简体中文', 'zh-TW': '繁體中文', en: 'English' };

/** Where a missing key is looked up next: Traditional readers read Simplified better than English. */
export const FALLBACK: Record<Locale, Locale[]> = { 'zh-CN': ['en'], 'zh-TW': ['zh-CN', 'en'], en: [] };

export type Dict = Record<string, string>;
type Nested = { [key: string]: string | Nested };

/** `{a: {b: "x"}, "errors": {"vin.length": "y"}}` → `{"a.b": "x", "errors.vin.length": "y"}`. */
export function flatten(tree: Nested, prefix = '', out: Dict = {}): Dict {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out[key] = v;
    else flatten(v, key, out);
  }
  return out;
}

/** Replaces `{name}` with `params.name`; leaves unknown placeholders as they are. */
export function interpolate(text: string, params?: Record<string, string | number>): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}


export function isLocale(x: unknown): x is Locale {
  return typeof x === 'string' && (LOCALES as string[]).includes(x);
}
