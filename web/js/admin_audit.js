// The admin console's audit log: who changed what through the API (an
// operator's or an admin's every change, whatever its outcome), newest
// first, a page at a time.

import { api } from './api.js';
import { t } from './i18n.js';
import { el } from './dom.js';
import { label } from './format.js';
import { table, row, action, shortTime } from './admin_ui.js';

const PAGE = 100;

export class AuditPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.entries = [];
    this.more = false;
  }

  async load() {
    const out = await api('/audit?limit=' + PAGE);
    this.entries = out.entries;
    this.more = out.entries.length === PAGE;
  }

  async older() {
    const last = this.entries[this.entries.length - 1];
    try {
      const out = await api(`/audit?limit=${PAGE}&before=${last.id}`);
      this.entries = this.entries.concat(out.entries);
      this.more = out.entries.length === PAGE;
    } catch (e) {
      this.ctx.fail(e);
    }
    this.ctx.rerender();
  }

  view() {
    const rows = this.entries.map((x) => row([
      shortTime(x.time), x.actor, label('role', x.role),
      el('td', { class: 'admin-audit-action', text: x.action }),
      el('td', { class: x.status < 400 ? 'state-active' : 'state-failed', text: String(x.status) }),
    ], { dataset: { entry: String(x.id) } }));
    return [
      el('p', { class: 'muted', text: t('admin.audit.about') }),
      table(['admin.audit.time', 'admin.audit.actor', 'admin.role', 'admin.audit.action', 'admin.audit.status'], rows,
        { class: 'admin-table audit' }),
      this.more ? action('admin.audit.older', () => this.older(), { class: 'chip admin-older' }) : null,
    ].filter(Boolean);
  }
}
