// What the admin console's pages share: tables, forms, the one-time
// display of a new secret, messages, and errors in the page's language.

import { t } from './i18n.js';
import { el } from './dom.js';

/** A table: head is a list of i18n keys, rows a list of lists of cells. */
export function table(head, rows, attrs = {}) {
  return el('table', { class: 'admin-table', ...attrs },
    el('thead', {}, el('tr', {}, ...head.map((k) => el('th', { text: k ? t(k) : '' })))),
    el('tbody', {}, ...rows));
}

/** A row: cells are nodes or text. */
export function row(cells, attrs = {}) {
  return el('tr', attrs, ...cells.map((c) => (c instanceof Node && c.tagName === 'TD' ? c : el('td', {}, c ?? '—'))));
}

/** A labelled input (or select) for a form. */
export function field(labelKey, control) {
  return el('label', { class: 'admin-field' }, el('span', { text: t(labelKey) }), control);
}

/** A select of values, each labelled by labelOf(value). */
export function select(name, values, selected, labelOf = (v) => v) {
  return el('select', { name },
    ...values.map((v) => el('option', { value: v, selected: v === selected }, labelOf(v))));
}

/** A small action button. */
export function action(key, onclick, attrs = {}) {
  return el('button', { type: 'button', class: 'chip', text: t(key), onclick, ...attrs });
}

/** The message of an error as the page shows it. */
export function errorMessage(e) {
  if (e && e.status === 403) return t('admin.error_forbidden', { message: e.message });
  return t('admin.error', { message: e && e.message ? e.message : String(e) });
}

/**
 * A secret shown this once (a new token or password): its text, a note
 * that it is not shown again, and a button that hides it.
 */
export function secretBox(titleKey, secret, onDone) {
  const box = el('div', { class: 'admin-secret', role: 'alert' },
    el('strong', { text: t(titleKey) }),
    el('code', { class: 'admin-secret-value', text: secret }),
    el('p', { class: 'muted', text: t('admin.secret_once') }),
    el('button', { type: 'button', class: 'chip', text: t('admin.secret_done'),
      onclick: () => { box.remove(); onDone?.(); } }));
  return box;
}

/** Confirm a destructive action with the browser's dialog. */
export function confirmed(key, params) {
  return window.confirm(t(key, params));
}

/** A random password of 16 letters and digits (for a new user). */
export function randomPassword() {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** An ISO instant as "YYYY-MM-DD HH:MM" (UTC, as the server gives it). */
export function shortTime(iso) {
  return iso ? String(iso).replace('T', ' ').slice(0, 16) : '—';
}
