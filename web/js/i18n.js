// Language choice, UI strings and the header's language switcher.
//
// The language comes from ?lang=, else the saved choice, else the browser's
// preferences, else English. A ?lang= choice is saved so that it carries over
// to the next page.

import { h } from './dom.js';

export const LANGUAGES = [
  { code: 'en', name: 'English', locale: 'en-GB' },
  { code: 'fr', name: 'Français', locale: 'fr-FR' },
  { code: 'es', name: 'Español', locale: 'es-ES' },
];

const DEFAULT_LANGUAGE = 'en';
const STORAGE_KEY = 'congress.lang';

// Explicit loaders: only the chosen language's file is fetched.
const LOADERS = {
  en: () => import('/i18n/en.js'),
  fr: () => import('/i18n/fr.js'),
  es: () => import('/i18n/es.js'),
};

let current = DEFAULT_LANGUAGE;
let strings = {};
let pluralRules = new Intl.PluralRules(DEFAULT_LANGUAGE);
let numberFormat = new Intl.NumberFormat(DEFAULT_LANGUAGE);

function supported(code) {
  if (!code) return null;
  const primary = String(code).trim().toLowerCase().split(/[-_]/)[0];
  return Object.hasOwn(LOADERS, primary) ? primary : null;
}

function readStorage() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled
  }
}

function writeStorage(code) {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

/** Pure language resolution, exported for tests. */
export function chooseLanguage({ query, stored, preferred = [] }) {
  const fromQuery = supported(query);
  if (fromQuery) return { code: fromQuery, fromQuery: true };
  const fromStorage = supported(stored);
  if (fromStorage) return { code: fromStorage, fromQuery: false };
  for (const pref of preferred) {
    const code = supported(pref);
    if (code) return { code, fromQuery: false };
  }
  return { code: DEFAULT_LANGUAGE, fromQuery: false };
}

/** The current UI language code ("en", "fr", "es"). */
export function language() {
  return current;
}

/** The locale used by Intl formatters for the current language. */
export function locale() {
  return LANGUAGES.find((l) => l.code === current).locale;
}

/**
 * Translate a key. Parameters replace "{name}" placeholders; numbers are
 * formatted for the language. Plural entries are chosen by params.count.
 */
export function t(key, params = {}) {
  let entry = strings[key];
  if (entry === undefined) {
    console.warn(`i18n: missing string "${key}" for "${current}"`);
    return key;
  }
  if (typeof entry === 'object') {
    const category = pluralRules.select(Number(params.count ?? 0));
    entry = entry[category] ?? entry.other;
  }
  return entry.replace(/\{(\w+)\}/g, (match, name) => {
    if (!Object.hasOwn(params, name)) return match;
    const value = params[name];
    return typeof value === 'number' ? numberFormat.format(value) : String(value);
  });
}

/** True when a string exists for the key (used for optional labels). */
export function has(key) {
  return Object.hasOwn(strings, key);
}

/** Fill every element marked data-i18n="key" with its translation. */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
}

function languageHref(code) {
  const url = new URL(location.href);
  url.searchParams.set('lang', code);
  return url.pathname + url.search + url.hash;
}

function renderSwitcher() {
  const list = document.getElementById('language-list');
  if (!list) return;
  list.replaceChildren(
    ...LANGUAGES.map(({ code, name }) => {
      const link = h('a', { href: languageHref(code), lang: code, hreflang: code }, name);
      if (code === current) link.setAttribute('aria-current', 'true');
      return h('li', {}, link);
    }),
  );
}

/**
 * Choose the language, load its strings, set <html lang>, translate the
 * static markup and draw the language switcher. Call once per page.
 */
export async function initI18n() {
  const query = new URLSearchParams(location.search).get('lang');
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  const choice = chooseLanguage({ query, stored: readStorage(), preferred });
  if (choice.fromQuery) writeStorage(choice.code);

  try {
    strings = (await LOADERS[choice.code]()).default;
    current = choice.code;
  } catch (err) {
    console.error(`i18n: could not load "${choice.code}", using English`, err);
    strings = (await LOADERS[DEFAULT_LANGUAGE]()).default;
    current = DEFAULT_LANGUAGE;
  }
  pluralRules = new Intl.PluralRules(locale());
  numberFormat = new Intl.NumberFormat(locale());

  document.documentElement.lang = current;
  translateStatic();
  renderSwitcher();
  return current;
}

/**
 * Label for an enumerated API value, e.g. label('kind', 'congress').
 * Unknown values are shown readably ("side_event" → "Side event").
 */
export function label(prefix, value) {
  const key = `${prefix}.${value}`;
  if (has(key)) return t(key);
  const text = String(value ?? '').replace(/[_-]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}
