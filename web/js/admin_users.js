// The admin console's people and credentials: users (list, add, change a
// role, disable, reset a password, delete) and API tokens (list, create
// with the secret shown once, revoke).

import { api } from './api.js';
import { t } from './i18n.js';
import { el } from './dom.js';
import { label } from './format.js';
import { table, row, field, select, action, secretBox, confirmed, randomPassword, shortTime } from './admin_ui.js';

const USER_ROLES = ['viewer', 'operator', 'admin'];
const TOKEN_ROLES = ['viewer', 'operator', 'admin', 'metrics'];
const enc = encodeURIComponent;

export class UsersPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.users = [];
    this.secret = null; // {name, password} shown once
  }

  async load() {
    this.users = (await api('/users')).users;
  }

  async run(fn, doneKey, params) {
    try {
      const out = await fn();
      await this.load();
      if (doneKey) this.ctx.notify(t(doneKey, params));
      return out;
    } catch (e) {
      this.ctx.fail(e);
      return null;
    } finally {
      this.ctx.rerender();
    }
  }

  setRole(u, role) {
    return this.run(() => api('/users/' + enc(u.name), { method: 'PATCH', body: { role } }),
      'admin.users.role_done', { name: u.name, role: label('role', role) });
  }

  disable(u) {
    if (!confirmed('admin.users.confirm_disable', { name: u.name })) return null;
    return this.run(() => api('/users/' + enc(u.name), { method: 'PATCH', body: { disabled: true } }),
      'admin.users.disabled_done', { name: u.name });
  }

  async resetPassword(u) {
    if (!confirmed('admin.users.confirm_password', { name: u.name })) return;
    const out = await this.run(() => api('/users/' + enc(u.name) + '/password', { method: 'POST' }));
    if (out) {
      this.secret = { name: u.name, password: out.password };
      this.ctx.rerender();
    }
  }

  remove(u) {
    if (!confirmed('admin.users.confirm_delete', { name: u.name })) return null;
    return this.run(() => api('/users/' + enc(u.name), { method: 'DELETE' }),
      'admin.users.deleted_done', { name: u.name });
  }

  async add(form) {
    const data = new FormData(form);
    const username = String(data.get('username') || '').trim();
    const typed = String(data.get('password') || '');
    const password = typed || randomPassword();
    const out = await this.run(() => api('/users', { method: 'POST', body: { username, role: data.get('role'), password } }),
      'admin.users.added_done', { name: username });
    if (out && !typed) {
      this.secret = { name: username, password };
      this.ctx.rerender();
    }
  }

  userRow(u) {
    const self = u.name === this.ctx.me.name;
    const role = select('role', USER_ROLES, u.role, (r) => label('role', r));
    role.disabled = self;
    role.addEventListener('change', () => this.setRole(u, role.value));
    return row([
      u.name,
      el('td', {}, role),
      el('td', { class: 'state-' + u.state, text: t('admin.users.state.' + u.state) }),
      shortTime(u.created),
      el('td', { class: 'admin-actions' },
        action('admin.users.reset_password', () => this.resetPassword(u)),
        u.state === 'active' && !self ? action('admin.users.disable', () => this.disable(u)) : null,
        self ? null : action('admin.delete', () => this.remove(u), { class: 'chip danger' })),
    ], { dataset: { user: u.name } });
  }

  view() {
    const form = el('form', { class: 'admin-form', onsubmit: (ev) => { ev.preventDefault(); this.add(ev.target); } },
      el('h3', { text: t('admin.users.add') }),
      field('admin.users.name', el('input', { name: 'username', required: true, autocomplete: 'off' })),
      field('admin.role', select('role', USER_ROLES, 'viewer', (r) => label('role', r))),
      field('admin.users.password', el('input', { name: 'password', type: 'password', autocomplete: 'new-password',
        minlength: 8, placeholder: t('admin.users.password_generated') })),
      el('button', { type: 'submit', class: 'primary', text: t('admin.add') }));
    const secret = this.secret && secretBox('admin.users.password_title', `${this.secret.name} / ${this.secret.password}`,
      () => { this.secret = null; });
    return [
      secret || '',
      table(['admin.users.name', 'admin.role', 'admin.state', 'admin.created', ''],
        this.users.map((u) => this.userRow(u)), { class: 'admin-table users' }),
      form,
    ].filter(Boolean);
  }
}

export class TokensPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.tokens = [];
    this.secret = null;
  }

  async load() {
    this.tokens = (await api('/tokens')).tokens;
  }

  async create(form) {
    const data = new FormData(form);
    const name = String(data.get('name') || '').trim();
    try {
      const out = await api('/tokens', { method: 'POST', body: { name, role: data.get('role') } });
      this.secret = out;
      await this.load();
      this.ctx.notify(t('admin.tokens.created_done', { name }));
    } catch (e) {
      this.ctx.fail(e);
    }
    this.ctx.rerender();
  }

  async revoke(tok) {
    if (!confirmed('admin.tokens.confirm_revoke', { name: tok.name })) return;
    try {
      await api('/tokens/' + tok.id, { method: 'DELETE' });
      await this.load();
      this.ctx.notify(t('admin.tokens.revoked_done', { name: tok.name }));
    } catch (e) {
      this.ctx.fail(e);
    }
    this.ctx.rerender();
  }

  view() {
    const rows = this.tokens.map((tok) => row([
      String(tok.id), tok.name, label('role', tok.role), tok.device || '—', shortTime(tok.created),
      el('td', { class: tok.revoked ? 'state-disabled' : 'state-active',
        text: t(tok.revoked ? 'admin.tokens.revoked' : 'admin.tokens.live') }),
      el('td', { class: 'admin-actions' },
        tok.revoked ? null : action('admin.tokens.revoke', () => this.revoke(tok), { class: 'chip danger' })),
    ], { dataset: { token: String(tok.id) } }));
    const form = el('form', { class: 'admin-form', onsubmit: (ev) => { ev.preventDefault(); this.create(ev.target); } },
      el('h3', { text: t('admin.tokens.create') }),
      field('admin.tokens.name', el('input', { name: 'name', required: true, autocomplete: 'off' })),
      field('admin.role', select('role', TOKEN_ROLES, 'viewer', (r) => label('role', r))),
      el('button', { type: 'submit', class: 'primary', text: t('admin.tokens.create_button') }));
    return [
      this.secret ? secretBox('admin.tokens.secret_title', this.secret.token, () => { this.secret = null; }) : null,
      table(['admin.id', 'admin.tokens.name', 'admin.role', 'admin.device', 'admin.created', 'admin.state', ''], rows,
        { class: 'admin-table tokens' }),
      form,
    ].filter(Boolean);
  }
}
