// The admin console's devices: the registry with each device's last
// report and battery, registering one (its token shown once), editing
// (kind, name, location, the plot it serves: moving it), a new token (the
// old one stops at once), and deleting (its data are kept).

import { api } from './api.js';
import { t } from './i18n.js';
import { el } from './dom.js';
import { label, ago, num } from './format.js';
import { table, row, field, select, action, secretBox, confirmed } from './admin_ui.js';

const KINDS = ['weather_station', 'soil_probe', 'flow_meter', 'valve', 'camera', 'drone', 'tractor',
  'harvester', 'pv_inverter', 'pump', 'gateway', 'sensor'];
const BATTERY = 'battery';
const enc = encodeURIComponent;

/** {device: {seen, battery}} from GET /latest?all=1's rows. */
function latestByDevice(latest) {
  const out = new Map();
  const cols = latest.columns || [];
  const [d, m, ts, v] = ['device', 'metric', 'ts', 'value'].map((c) => cols.indexOf(c));
  for (const r of latest.values || []) {
    const o = out.get(r[d]) || { seen: 0, battery: null };
    if (r[ts] > o.seen) o.seen = r[ts];
    if (r[m] === BATTERY) o.battery = r[v];
    out.set(r[d], o);
  }
  return out;
}

export class DevicesPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.devices = [];
    this.latest = new Map();
    this.codes = [];
    this.editing = null;   // id of the device being edited
    this.secret = null;    // {id, token}
  }

  async load() {
    const [devices, latest, plots] = await Promise.all([
      api('/devices'), api('/latest?all=1'), api('/plots')]);
    this.devices = devices.devices;
    this.latest = latestByDevice(latest);
    this.codes = (plots.features || []).map((f) => f.properties.code).sort();
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

  /** The form's fields as the API takes them (empty: none). */
  static body(form) {
    const data = new FormData(form);
    const text = (k) => String(data.get(k) || '').trim() || null;
    const lon = parseFloat(data.get('lon')), lat = parseFloat(data.get('lat'));
    return {
      kind: data.get('kind'), name: text('name'), plot: text('plot'),
      location: Number.isFinite(lon) && Number.isFinite(lat) ? [lon, lat] : null,
    };
  }

  async add(form) {
    const body = { id: String(new FormData(form).get('id') || '').trim(), ...DevicesPage.body(form) };
    for (const k of ['name', 'plot', 'location']) if (body[k] === null) delete body[k];
    const out = await this.run(() => api('/devices', { method: 'POST', body }), 'admin.devices.added_done', { id: body.id });
    if (out) {
      this.secret = { id: out.id, token: out.token };
      this.ctx.rerender();
    }
  }

  async save(d, form) {
    const out = await this.run(() => api('/devices/' + enc(d.id), { method: 'PATCH', body: DevicesPage.body(form) }),
      'admin.devices.saved_done', { id: d.id });
    if (out) {
      this.editing = null;
      this.ctx.rerender();
    }
  }

  async rotate(d) {
    if (!confirmed('admin.devices.confirm_rotate', { id: d.id })) return;
    const out = await this.run(() => api('/devices/' + enc(d.id) + '/token', { method: 'POST' }),
      'admin.devices.rotated_done', { id: d.id });
    if (out) {
      this.secret = { id: out.id, token: out.token };
      this.ctx.rerender();
    }
  }

  remove(d) {
    if (!confirmed('admin.devices.confirm_delete', { id: d.id })) return null;
    return this.run(() => api('/devices/' + enc(d.id), { method: 'DELETE' }), 'admin.devices.deleted_done', { id: d.id });
  }

  plotInput(value) {
    return el('input', { name: 'plot', list: 'admin-plot-codes', value: value || '', autocomplete: 'off',
      placeholder: t('admin.devices.no_plot') });
  }

  editRow(d) {
    const formId = 'admin-edit-' + d.id;
    const [lon, lat] = d.location || ['', ''];
    const form = el('form', { id: formId, class: 'admin-inline',
      onsubmit: (ev) => { ev.preventDefault(); this.save(d, ev.target); } });
    const inp = (name, value, attrs = {}) => el('input', { name, value: value ?? '', form: formId, ...attrs });
    const kind = select('kind', KINDS, d.kind, (k) => label('kind', k));
    kind.setAttribute('form', formId);
    const plot = this.plotInput(d.plot);
    plot.setAttribute('form', formId);
    return row([
      el('td', {}, d.id, form),
      el('td', {}, kind),
      el('td', {}, inp('name', d.name)),
      el('td', {}, plot),
      el('td', { class: 'admin-lonlat' }, inp('lon', lon, { size: 9, 'aria-label': 'lon' }),
        inp('lat', lat, { size: 8, 'aria-label': 'lat' })),
      el('td', { colspan: 2 }),
      el('td', { class: 'admin-actions' },
        el('button', { type: 'submit', class: 'chip', form: formId, text: t('admin.save') }),
        action('admin.cancel', () => { this.editing = null; this.ctx.rerender(); })),
    ], { dataset: { device: d.id }, class: 'editing' });
  }

  deviceRow(d) {
    if (this.editing === d.id) return this.editRow(d);
    const seen = this.latest.get(d.id);
    return row([
      d.id, label('kind', d.kind), d.name || '—', d.plot || '—',
      d.location ? `${num(d.location[0], 5)}, ${num(d.location[1], 5)}` : '—',
      el('td', { class: 'admin-seen', text: seen && seen.seen ? ago(seen.seen) : t('admin.devices.never') }),
      el('td', { class: 'admin-battery', text: seen && seen.battery !== null ? `${num(seen.battery, 2)} V` : '—' }),
      el('td', { class: 'admin-actions' },
        action('admin.edit', () => { this.editing = d.id; this.ctx.rerender(); }),
        action('admin.devices.rotate', () => this.rotate(d)),
        action('admin.delete', () => this.remove(d), { class: 'chip danger' })),
    ], { dataset: { device: d.id } });
  }

  view() {
    const form = el('form', { class: 'admin-form', onsubmit: (ev) => { ev.preventDefault(); this.add(ev.target); } },
      el('h3', { text: t('admin.devices.add') }),
      field('admin.device', el('input', { name: 'id', required: true, autocomplete: 'off', pattern: '[A-Za-z0-9][A-Za-z0-9._:-]*' })),
      field('admin.devices.kind', select('kind', KINDS, 'soil_probe', (k) => label('kind', k))),
      field('admin.devices.name', el('input', { name: 'name', autocomplete: 'off' })),
      field('admin.plot', this.plotInput('')),
      field('admin.devices.lon', el('input', { name: 'lon', inputmode: 'decimal', size: 10 })),
      field('admin.devices.lat', el('input', { name: 'lat', inputmode: 'decimal', size: 10 })),
      el('button', { type: 'submit', class: 'primary', text: t('admin.add') }));
    return [
      this.secret ? secretBox('admin.devices.token_title', this.secret.token, () => { this.secret = null; }) : null,
      el('datalist', { id: 'admin-plot-codes' }, ...this.codes.map((c) => el('option', { value: c }))),
      table(['admin.device', 'admin.devices.kind', 'admin.devices.name', 'admin.plot', 'admin.devices.location',
        'admin.devices.last_seen', 'admin.devices.battery', ''],
      this.devices.map((d) => this.deviceRow(d)), { class: 'admin-table devices' }),
      form,
    ].filter(Boolean);
  }
}
