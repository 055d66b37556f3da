// The admin console's monitoring rules: the list (each enabled or not),
// a new rule from one of the built-in templates, editing a rule's
// subject, thresholds, delay and severity, trying a rule on the last day
// of data (POST /rules/test: what it would have opened and closed), and
// deleting one.

import { api } from './api.js';
import { t } from './i18n.js';
import { el } from './dom.js';
import { label, num } from './format.js';
import { table, row, field, select, action, confirmed, shortTime } from './admin_ui.js';

const SEVERITIES = ['info', 'warning', 'critical'];
const OPS = ['>', '>=', '<', '<='];

function conditionText(r) {
  return (r.conditions || []).map((c) => `${c.metric} ${c.op} ${c.threshold}`).join(' ∧ ') || label('rule_kind', r.kind);
}

function subjectText(r) {
  return [r.device, r.plot, r.crop && label('crop', r.crop)].filter(Boolean).join(' · ') || t('admin.rules.everywhere');
}

export class RulesPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.rules = [];
    this.templates = [];
    this.editing = null;   // rule id being edited
    this.tests = new Map(); // rule id -> result of a test
  }

  async load() {
    const out = await api('/rules');
    this.rules = out.rules;
    this.templates = out.templates;
  }

  async run(fn, doneKey, params) {
    let out = null;
    try {
      out = await fn();
      await this.load();
      if (doneKey) this.ctx.notify(t(doneKey, params));
    } catch (e) {
      this.ctx.fail(e);
    }
    this.ctx.rerender();
    return out;
  }

  create(form) {
    const data = new FormData(form);
    const body = { template: data.get('template') };
    for (const k of ['name', 'device', 'plot', 'crop']) {
      const v = String(data.get(k) || '').trim();
      if (v) body[k] = v;
    }
    return this.run(() => api('/rules', { method: 'POST', body }), 'admin.rules.created_done',
      { name: body.name || body.template });
  }

  setEnabled(r, enabled) {
    return this.run(() => api('/rules/' + r.id, { method: 'PATCH', body: { enabled } }),
      enabled ? 'admin.rules.enabled_done' : 'admin.rules.disabled_done', { name: r.name });
  }

  async save(r, form) {
    const data = new FormData(form);
    const text = (k) => String(data.get(k) || '').trim() || null;
    const body = {
      name: text('name') || r.name, severity: data.get('severity'),
      device: text('device'), plot: text('plot'), crop: text('crop'),
      for_s: Math.max(0, Math.round(parseFloat(data.get('for_min')) * 60) || 0),
    };
    if (r.conditions && r.conditions.length)
      body.conditions = r.conditions.map((c, i) => ({
        metric: c.metric, op: data.get('op' + i),
        threshold: parseFloat(data.get('threshold' + i)), clear: parseFloat(data.get('clear' + i)),
      }));
    const out = await this.run(() => api('/rules/' + r.id, { method: 'PATCH', body }), 'admin.rules.saved_done', { name: body.name });
    if (out) {
      this.editing = null;
      this.ctx.rerender();
    }
  }

  async test(r) {
    try {
      this.tests.set(r.id, await api('/rules/test', { method: 'POST', body: { id: r.id } }));
    } catch (e) {
      this.ctx.fail(e);
    }
    this.ctx.rerender();
  }

  remove(r) {
    if (!confirmed('admin.rules.confirm_delete', { name: r.name })) return null;
    return this.run(() => api('/rules/' + r.id, { method: 'DELETE' }), 'admin.rules.deleted_done', { name: r.name });
  }

  editForm(r) {
    const inp = (name, value, attrs = {}) => el('input', { name, value: value ?? '', autocomplete: 'off', ...attrs });
    return el('form', { class: 'admin-form admin-rule-edit', dataset: { rule: String(r.id) },
      onsubmit: (ev) => { ev.preventDefault(); this.save(r, ev.target); } },
    el('h3', { text: t('admin.rules.edit_title', { name: r.name }) }),
    field('admin.rules.name', inp('name', r.name)),
    field('admin.rules.severity', select('severity', SEVERITIES, r.severity, (s) => label('severity', s))),
    field('admin.device', inp('device', r.device)),
    field('admin.plot', inp('plot', r.plot)),
    field('admin.rules.crop', inp('crop', r.crop)),
    field('admin.rules.for_min', inp('for_min', String(r.for_s / 60), { inputmode: 'decimal', size: 6 })),
    ...(r.conditions || []).flatMap((c, i) => [
      el('div', { class: 'admin-cond' },
        el('span', { class: 'admin-cond-metric', text: c.metric }),
        select('op' + i, OPS, c.op),
        field('admin.rules.threshold', inp('threshold' + i, String(c.threshold), { inputmode: 'decimal', size: 7 })),
        field('admin.rules.clear', inp('clear' + i, String(c.clear), { inputmode: 'decimal', size: 7 }))),
    ]),
    el('div', { class: 'admin-actions' },
      el('button', { type: 'submit', class: 'primary', text: t('admin.save') }),
      action('admin.cancel', () => { this.editing = null; this.ctx.rerender(); })));
  }

  testResult(r) {
    const res = this.tests.get(r.id);
    if (!res) return null;
    return el('tr', { class: 'admin-test', dataset: { rule: String(r.id) } }, el('td', { colspan: 7 },
      el('p', { class: 'admin-test-summary', text: t('admin.rules.test_summary', {
        subjects: res.subjects, points: num(res.points), opened: res.opened, closed: res.closed }) }),
      res.events.length ? el('ol', { class: 'admin-test-events' }, ...res.events.map((e) => el('li', {
        text: `${shortTime(e.time)} · ${e.subject} · ${t('admin.rules.change.' + e.change)} (${num(e.value, 2)})` }))) : null));
  }

  ruleRows(r) {
    const on = el('input', { type: 'checkbox', checked: r.enabled, 'aria-label': t('admin.rules.enabled') });
    on.addEventListener('change', () => this.setEnabled(r, on.checked));
    return [row([
      r.name, r.template ? label('rule_template', r.template) : '—', subjectText(r), conditionText(r),
      label('severity', r.severity),
      el('td', {}, el('label', { class: 'admin-switch' }, on, t(r.enabled ? 'admin.rules.on' : 'admin.rules.off'))),
      el('td', { class: 'admin-actions' },
        action('admin.edit', () => { this.editing = r.id; this.ctx.rerender(); }),
        action('admin.rules.test', () => this.test(r)),
        action('admin.delete', () => this.remove(r), { class: 'chip danger' })),
    ], { dataset: { rule: String(r.id) } }), this.testResult(r)].filter(Boolean);
  }

  view() {
    const names = this.templates.map((x) => x.template);
    const doc = el('p', { class: 'muted admin-template-doc' });
    const pick = select('template', names, names[0], (n) => label('rule_template', n));
    const showDoc = () => { doc.textContent = (this.templates.find((x) => x.template === pick.value) || {}).doc || ''; };
    pick.addEventListener('change', showDoc);
    showDoc();
    const form = el('form', { class: 'admin-form', onsubmit: (ev) => { ev.preventDefault(); this.create(ev.target); } },
      el('h3', { text: t('admin.rules.create') }),
      field('admin.rules.template', pick), doc,
      field('admin.rules.name', el('input', { name: 'name', autocomplete: 'off' })),
      field('admin.device', el('input', { name: 'device', autocomplete: 'off' })),
      field('admin.plot', el('input', { name: 'plot', autocomplete: 'off' })),
      field('admin.rules.crop', el('input', { name: 'crop', autocomplete: 'off' })),
      el('button', { type: 'submit', class: 'primary', text: t('admin.add') }));
    const editing = this.rules.find((r) => r.id === this.editing);
    return [
      table(['admin.rules.name', 'admin.rules.template', 'admin.rules.subject', 'admin.rules.condition',
        'admin.rules.severity', 'admin.rules.enabled', ''], this.rules.flatMap((r) => this.ruleRows(r)),
      { class: 'admin-table rules' }),
      editing ? this.editForm(editing) : form,
    ];
  }
}
