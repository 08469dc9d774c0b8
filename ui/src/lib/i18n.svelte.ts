/**
 * The UI's strings: `t('board.title')` looks the key up in the current locale
 * (zh-CN by default, remembered in localStorage). Reading `t` inside a template
 * re-renders it when the locale changes.
 */
import en from '../locales/en.json';
import zh from '../locales/zh-CN.json';
import zhTw from '../locales/zh-TW.json';
import { DEFAULT_LOCALE, FALLBACK, flatten, interpolate, isChinese, isLocale, type Dict, type Locale } from './i18n-core';
import type { ApiError } from './backend';

export type { Locale } from './i18n-core';

const STORAGE_KEY = 'stationdesk.locale';
const dicts: Record<Locale, Dict> = { 'zh-CN': flatten(zh), 'zh-TW': flatten(zhTw), en: flatten(en) };

function initial(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    /* no storage: the default */
  }
  return DEFAULT_LOCALE;
}

export const i18n = $state<{ locale: Locale }>({ locale: initial() });

function applyToDocument(locale: Locale) {
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}
applyToDocument(i18n.locale);

export function setLocale(locale: Locale): void {
  i18n.locale = locale;
  applyToDocument(locale);
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    /* not remembered, still switched */
  }
}

/** The desk's language and the Chinese one it borrows from (never English: the core's own message reads better than a key). */
function chineseChain(locale: Locale): Locale[] {
  return [locale, ...FALLBACK[locale].filter(isChinese)];
}

export function has(key: string): boolean {
  return chineseChain(i18n.locale).some((l) => key in dicts[l]);
}

export function t(key: string, params?: Record<string, string | number>): string {
  return tIn(i18n.locale, key, params);
}

/** `t` in a given language rather than the desk's: a script read to a customer in theirs. */
export function tIn(locale: Locale, key: string, params?: Record<string, string | number>): string {
  const text = [locale, ...FALLBACK[locale]].map((l) => dicts[l][key]).find((x) => x !== undefined);
  if (text === undefined) return key;
  return interpolate(text, params);
}

let errorPrefixes = ['errors'];

/** Where error texts are looked up, in order: the head-office console reads its own (`console.errors.<code>`) before the station's. */
export function useErrorTexts(prefixes: string[]): void {
  errorPrefixes = prefixes;
}

/** An operation's error in the user's language: `errors.<code>` when the locale has it, else the core's message. */
export function errorText(err: Pick<ApiError, 'code' | 'message' | 'params'>): string {
  const chain = chineseChain(i18n.locale);
  const text = errorPrefixes.flatMap((p) => chain.map((l) => dicts[l][`${p}.${err.code}`])).find((x) => x !== undefined);
  if (text === undefined) return err.message;
  const params = Object.fromEntries(Object.entries(err.params ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
  return interpolate(text, params);
}
