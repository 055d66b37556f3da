// The admin console: a page over the big screen, for the admin role only,
// with a tab per task (users, API tokens, devices, monitoring rules, plot
// import, the audit log).  Every action calls the same HTTP API as the command line; the
// server checks the role again on each call.  main.js mounts it after an
// admin signs in and unmounts it on sign-out.

import { t, onLangChange } from './i18n.js';
import { el } from './dom.js';
import { errorMessage } from './admin_ui.js';
import { UsersPage, TokensPage } from './admin_users.js';
import { DevicesPage } from './admin_devices.js';
import { RulesPage } from './admin_rules.js';
import { PlotImportPage } from './admin_plots.js';
import { AuditPage } from './admin_audit.js';

const PAGES = [
  ['users', UsersPage],
  ['tokens', TokensPage],
  ['devices', DevicesPage],
  ['rules', RulesPage],
  ['plots', PlotImportPage],
  ['audit', AuditPage],
];

export class AdminConsole {
  /** screenRoot: main#screen (its top bar gets the button); me: {name, role}. */
  constructor(screenRoot, me) {
    this.screenRoot = screenRoot;
    this.me = me;
    this.pages = new Map();
    this.current = PAGES[0][0];
    this.root = null;
  }

  mount() {
    if (this.me.role !== 'admin' || this.root) return;
    this.css = el('link', { rel: 'stylesheet', href: '/css/admin.css' });
    document.head.append(this.css);
    this.button = el('button', { type: 'button', class: 'chip admin-open', 'data-i18n': 'admin.open',
      text: t('admin.open'), onclick: () => this.open() });
    const bar = this.screenRoot.querySelector('.topbar-right');
    bar.insertBefore(this.button, bar.querySelector('.whoami'));
    this.tabs = el('nav', { class: 'admin-tabs', role: 'tablist' },
      ...PAGES.map(([id]) => el('button', { type: 'button', role: 'tab', class: 'tab', dataset: { page: id },
        'data-i18n': 'admin.tab.' + id, text: t('admin.tab.' + id), onclick: () => this.show(id) })));
    this.message = el('p', { class: 'admin-message', role: 'status', hidden: true });
    this.body = el('div', { class: 'admin-page' });
    this.root = el('section', { id: 'admin', class: 'admin', hidden: true, 'aria-labelledby': 'admin-title' },
      el('header', { class: 'admin-head' },
        el('h2', { id: 'admin-title', 'data-i18n': 'admin.title', text: t('admin.title') }),
        this.tabs,
        el('button', { type: 'button', class: 'chip admin-close', 'data-i18n': 'admin.close',
          text: t('admin.close'), onclick: () => this.close() })),
      this.message, this.body);
    document.body.append(this.root);
    this.onKey = (ev) => { if (ev.key === 'Escape' && !this.root.hidden) this.close(); };
    document.addEventListener('keydown', this.onKey);
    this.unsubscribeLang = onLangChange(() => this.render());
  }

  unmount() {
    if (!this.root) return;
    this.unsubscribeLang();
    document.removeEventListener('keydown', this.onKey);
    this.root.remove();
    this.button.remove();
    this.css.remove();
    this.root = null;
    this.pages.clear();
  }

  open(id) {
    this.root.hidden = false;
    return this.show(id || this.current);
  }

  close() {
    this.root.hidden = true;
  }

  page(id) {
    if (!this.pages.has(id)) {
      const Page = PAGES.find(([p]) => p === id)[1];
      this.pages.set(id, new Page({
        me: this.me,
        notify: (text, kind) => this.notify(text, kind),
        fail: (e) => this.notify(errorMessage(e), 'error'),
        rerender: () => { if (this.current === id) this.render(); },
      }));
    }
    return this.pages.get(id);
  }

  /** Show a page, loading it afresh. */
  async show(id) {
    this.current = id;
    this.notify('');
    for (const b of this.tabs.children) b.setAttribute('aria-selected', String(b.dataset.page === id));
    this.body.dataset.page = id;
    this.body.dataset.ready = 'false';
    const page = this.page(id);
    try {
      await page.load();
    } catch (e) {
      this.notify(errorMessage(e), 'error');
    }
    if (this.current !== id) return;
    this.render();
    this.body.dataset.ready = 'true';
  }

  render() {
    if (!this.root) return;
    this.body.replaceChildren(...this.page(this.current).view());
  }

  /** A line over the page: what was done, or what went wrong ('' hides it). */
  notify(text, kind = 'ok') {
    if (!this.message) return;
    this.message.hidden = !text;
    this.message.textContent = text || '';
    this.message.dataset.kind = kind;
  }
}
