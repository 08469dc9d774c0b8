/** A QC checklist item's text in the desk's language: its English text in English (when it has one), its Chinese text otherwise. */
import { isChinese, type Locale } from './i18n-core';

export function qcLabel(item: { label: string; label_en: string }, locale: Locale): string {
  return !isChinese(locale) && item.label_en.trim() ? item.label_en : item.label;
}
