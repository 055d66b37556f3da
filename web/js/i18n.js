// Translations: one dictionary module per language under /i18n/, the
// language kept in localStorage, and the static page's labels marked with
// data-i18n (text), data-i18n-placeholder, data-i18n-title, data-i18n-aria.

const LANGS = ['zh-CN', 'en'];
const DEFAULT_LANG = 'zh-CN';
const STORAGE_KEY = 'oasis.lang';

let lang = DEFAULT_LANG;
let dict = {};
const listeners = new Set();

function storedLang() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (LANGS.includes(asked)) return asked;
  try {
    const kept = localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(kept)) return kept;
  } catch { /* storage off: the default */ }
  return DEFAULT_LANG;
}

async function load(code) {
  const mod = await import(`/i18n/${code}.js`);
  return mod.default;
}

/** Load the chosen language's dictionary; call once before anything else. */
export async function initI18n() {
  lang = storedLang();
  dict = await load(lang);
  applyTo(document);
}

export function currentLang() {
  return lang;
}

/** The language the switch offers. */
export function otherLang() {
  return lang === 'zh-CN' ? 'en' : 'zh-CN';
}

/** Switch language, re-label the page and tell every listener. */
export async function setLang(code) {
  if (!LANGS.includes(code) || code === lang) return;
  dict = await load(code);
  lang = code;
  try { localStorage.setItem(STORAGE_KEY, code); } catch { /* ignore */ }
  applyTo(document);
  for (const fn of listeners) fn(lang);
}

/** Call fn(lang) after each switch; returns the unsubscribe function. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The text of key with {name} placeholders filled; the key if unknown. */
export function t(key, params) {
  const text = dict[key];
  if (text === undefined) return key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) =>
    params[name] === undefined ? m : String(params[name]));
}

/** Does the dictionary have this key? */
export function has(key) {
  return dict[key] !== undefined;
}

/** Label every marked element under root. */
export function applyTo(root) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]'))
    el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]'))
    el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]'))
    el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria]'))
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll('.lang-switch'))
    el.textContent = otherLang() === 'en' ? 'English' : '中文';
  document.title = t('app.title');
}
