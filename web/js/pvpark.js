// The PV park on the big screen: when the site switcher picks a pv_plant
// site, its own panels take the place of the base's: the plant's power now
// against what PVWatts expects, today's energy, PR, availability and
// curtailment (GET /sites/CODE/pv/plant and /pv/daily), the inverters
// ranked by their expected ratio, the strings of each combiner box as a
// heat map, and the site's open alerts and work orders.  Refreshed every
// minute while shown; hide() and dispose() stop everything.

import { api, qs } from './api.js';
import { t } from './i18n.js';
import { num, ago, dateTime, clockTime, label } from './format.js';
import { el, setField, setEmpty } from './dom.js';
import { PALETTE, MUTED } from './charts.js';

const REFRESH_MS = 60 * 1000;
const CHART_INTERVAL_MIN = 5;
const LIST_ITEMS = 8;

/** The site's civil date of instant ms (YYYY-MM-DD) in zone tz. */
export function siteDate(ms, tz) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz || 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** A ratio's heat: the class of a string's or an inverter's cell. */
export function ratioClass(r) {
  if (r === null || r === undefined || !Number.isFinite(r)) return 'none';
  if (r < 0.05) return 'open';
  if (r < 0.9) return 'low';
  if (r < 0.97) return 'fair';
  return 'ok';
}

/** An inverter's actual/expected: ok from 93 %, fair from 85 %, low below
 * (an inverter's own losses and its station's view leave a healthy one a
 * few percent under PVWatts; a trip or a failed string set, far under). */
export function rankClass(r) {
  if (r === null || r === undefined || !Number.isFinite(r)) return 'none';
  if (r < 0.85) return 'low';
  if (r < 0.93) return 'fair';
  return 'ok';
}

const pct = (v, digits = 1) => (Number.isFinite(v) ? num(v * 100, digits) : '—');
const mw = (kw, digits = 2) => (Number.isFinite(kw) ? num(kw / 1000, digits) : '—');

function kpi(field, labelKey, unit, big = false) {
  return el('div', { class: 'kpi' + (big ? ' big' : '') },
    el('span', { class: 'kpi-label', dataset: { i18n: labelKey }, text: t(labelKey) }),
    el('span', { class: 'kpi-value', dataset: { field }, text: '—' }),
    el('span', { class: 'kpi-unit', text: unit }),
    el('span', { class: 'kpi-sub', dataset: { field: field + '_sub' } }));
}

function panel(id, titleKey, ...body) {
  return el('section', { class: 'panel', id },
    el('h2', {}, el('span', { dataset: { i18n: titleKey }, text: t(titleKey) }),
      el('small', { class: 'panel-note', dataset: { field: id + '.note' } })),
    ...body);
}

export class PvPark {
  /** root: main#screen; charts: the screen's ChartSet. */
  constructor(root, charts) {
    this.root = root;
    this.charts = charts;
    this.site = null;
    this.timer = null;
    this.last = null;
    this.box = this.build();
    root.append(this.box);
  }

  build() {
    const kpis = el('div', { class: 'pv-kpis' },
      kpi('pv.power', 'pv.power_now', 'MW', true),
      kpi('pv.expected', 'pv.expected_now', 'MW'),
      kpi('pv.energy', 'pv.energy_today', 'MWh'),
      kpi('pv.pr', 'pv.pr', '%'),
      kpi('pv.availability', 'pv.availability', '%'),
      kpi('pv.curtailed', 'pv.curtailed', 'MWh'),
      kpi('pv.poa', 'pv.poa', 'W/m²'),
      kpi('pv.tmod', 'pv.temp_module', '°C'));
    return el('section', { id: 'pv', class: 'pv-screen', hidden: true, 'aria-live': 'off' },
      panel('p-pv-plant', 'pv.plant_title', kpis,
        el('div', { class: 'chart pv-chart', dataset: { chart: 'pv-power' } })),
      panel('p-pv-ranking', 'pv.ranking_title',
        el('ol', { class: 'pv-ranking' }),
        el('p', { class: 'empty', dataset: { empty: 'pv-ranking' }, hidden: true }),
        el('div', { class: 'chart pv-layout', dataset: { chart: 'pv-layout' }, hidden: true })),
      panel('p-pv-strings', 'pv.strings_title',
        el('div', { class: 'pv-heatmap' }),
        el('p', { class: 'pv-legend muted' },
          ...['ok', 'fair', 'low', 'open', 'none'].map((c) =>
            el('span', { class: 'pv-legend-item', dataset: { status: c } },
              el('i', { class: 'pv-swatch', dataset: { status: c } }),
              el('span', { dataset: { i18n: 'pv.status.' + c }, text: t('pv.status.' + c) })))),
        el('p', { class: 'empty', dataset: { empty: 'pv-strings' }, hidden: true })),
      panel('p-pv-alerts', 'pv.alerts_title',
        el('ol', { class: 'alert-list pv-alerts' }),
        el('p', { class: 'empty', dataset: { empty: 'pv-alerts' }, hidden: true }),
        el('h3', { class: 'pv-sub', dataset: { i18n: 'pv.workorders_title' }, text: t('pv.workorders_title') }),
        el('ol', { class: 'pv-workorders' }),
        el('p', { class: 'empty', dataset: { empty: 'pv-workorders' }, hidden: true })));
  }

  /** The site's facts for the header: county, MWp, MW. */
  factsLine(lang) {
    const f = (this.site && this.site.facts) || {};
    const county = lang === 'zh-CN' ? f.county : (f.county_en || f.county);
    const parts = [];
    if (county) parts.push(county);
    if (typeof f.mwp === 'number') parts.push(t('pv.facts_mwp', { mwp: num(f.mwp, 1) }));
    if (typeof f.mw_ac === 'number') parts.push(t('pv.facts_mw', { mw: num(f.mw_ac, 1) }));
    return parts.join(' · ');
  }

  isShown() {
    return !!this.site;
  }

  /** Show site (a site of GET /sites, kind pv_plant) and keep it fresh. */
  async show(site) {
    this.site = site;
    this.last = null;
    this.equipment = null;
    this.box.hidden = false;
    this.box.dataset.site = site.code;
    delete this.box.dataset.ready;
    this.root.classList.add('pv-mode');
    clearInterval(this.timer);
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    await this.refresh();
  }

  hide() {
    this.site = null;
    clearInterval(this.timer);
    this.timer = null;
    this.box.hidden = true;
    this.root.classList.remove('pv-mode');
  }

  dispose() {
    this.hide();
    this.box.remove();
  }

  async refresh() {
    const site = this.site;
    if (!site) return;
    const date = siteDate(Date.now(), site.tz);
    const base = '/sites/' + encodeURIComponent(site.code);
    const settle = (p) => p.then((v) => v, () => null);
    const [plant, daily, alerts, orders, devices, equipment] = await Promise.all([
      settle(api(`${base}/pv/plant` + qs({ date, interval_min: CHART_INTERVAL_MIN }))),
      settle(api(`${base}/pv/daily` + qs({ date }))),
      settle(api('/alerts' + qs({ state: 'active', limit: 1000 }))),
      settle(api('/workorders' + qs({ site: site.code }))),
      settle(api('/devices' + qs({ site: site.code }))),
      this.equipment ? this.equipment : settle(api(`${base}/equipment`)),
    ]);
    this.equipment = equipment;
    if (this.site !== site) return; // switched away meanwhile
    this.last = { date, plant, daily, alerts, orders, devices, equipment };
    this.render();
    this.box.dataset.ready = 'true';
  }

  render() {
    if (!this.last) return;
    const { date, plant, daily } = this.last;
    setField(this.box, 'p-pv-plant.note', `${this.site.name} · ${date}`);
    this.renderKpis(plant, daily);
    this.renderChart(plant);
    this.renderRanking(daily);
    this.renderLayout(daily);
    this.renderStrings(daily);
    this.renderAlerts();
  }

  renderKpis(plant, daily) {
    const now = plant && plant.now;
    const p = daily && daily.plant;
    setField(this.box, 'pv.power', mw(now && now.p_ac_kw));
    setField(this.box, 'pv.power_sub', now ? t('pv.at', { time: dateTime(Date.parse(now.time)) }) : t('pv.no_data'));
    setField(this.box, 'pv.expected', mw(now && now.p_ac_expected_kw));
    const ratio = now && now.p_ac_expected_kw > 0 ? now.p_ac_kw / now.p_ac_expected_kw : null;
    setField(this.box, 'pv.expected_sub', ratio === null ? '' : t('pv.ratio_now', { pct: pct(ratio) }));
    setField(this.box, 'pv.energy', mw(p && p.e_ac_kwh, 1));
    setField(this.box, 'pv.energy_sub', p ? t('pv.expected_energy', { mwh: mw(p.e_expected_kwh, 1) }) : '');
    setField(this.box, 'pv.pr', pct(p && p.pr));
    setField(this.box, 'pv.pr_sub', p && Number.isFinite(p.pr_temp_corrected)
      ? t('pv.pr_tc', { pct: pct(p.pr_temp_corrected) }) : '');
    setField(this.box, 'pv.availability', pct(p && p.availability_time));
    setField(this.box, 'pv.availability_sub', p ? t('pv.lost', { mwh: mw(p.e_lost_outage_kwh, 2) }) : '');
    setField(this.box, 'pv.curtailed', mw(p && p.e_curtailed_kwh, 2));
    // the limit is the plant's: every inverter has the same curtailed intervals
    const curtailed = Math.max(0, ...((daily && daily.inverters) || []).map((i) => i.n_curtailed_intervals || 0));
    setField(this.box, 'pv.curtailed_sub', p ? t('pv.curtailed_minutes', { n: num(curtailed * (daily.interval_min || 1)) }) : '');
    setField(this.box, 'pv.poa', num(now && now.poa_global));
    setField(this.box, 'pv.tmod', num(now && now.temp_module, 1));
    setField(this.box, 'pv.tmod_sub', now && Number.isFinite(now.temp_air)
      ? t('pv.weather', { air: num(now.temp_air, 1), wind: num(now.wind_speed, 1) }) : '');
  }

  renderChart(plant) {
    const container = this.box.querySelector('.pv-chart');
    const points = (plant && plant.points) || [];
    const series = (key) => points.map((q) => [Date.parse(q.time), Number.isFinite(q[key]) ? q[key] / 1000 : null]);
    const limit = points.some((q) => Number.isFinite(q.limit_kw) && q.limit_kw < plant.kw_ac);
    this.charts.show(container, JSON.stringify([this.site.code, points.length, plant && plant.now]), () => ({
      grid: { left: 44, right: 12, top: 28, bottom: 24 },
      legend: { top: 0, right: 0, itemWidth: 14, itemHeight: 8 },
      tooltip: { trigger: 'axis', valueFormatter: (v) => (Number.isFinite(v) ? num(v, 2) + ' MW' : '—') },
      xAxis: { type: 'time', min: plant && Date.parse(plant.from), max: plant && Date.parse(plant.to),
        axisLabel: { formatter: (v) => clockTime(v).slice(0, 5) } },
      yAxis: { type: 'value', name: 'MW', nameTextStyle: { color: MUTED } },
      series: [
        { name: t('pv.series.actual'), type: 'line', showSymbol: false, data: series('p_ac_kw'),
          itemStyle: { color: PALETTE[0] }, lineStyle: { color: PALETTE[0], width: 2 },
          areaStyle: { color: 'rgba(47,214,255,0.12)' } },
        { name: t('pv.series.expected'), type: 'line', showSymbol: false, data: series('p_ac_expected_kw'),
          itemStyle: { color: PALETTE[2] }, lineStyle: { color: PALETTE[2], type: 'dashed' } },
        ...(limit ? [{ name: t('pv.series.limit'), type: 'line', step: 'end', showSymbol: false,
          data: series('limit_kw'), itemStyle: { color: PALETTE[3] },
          lineStyle: { color: PALETTE[3], width: 1 } }] : []),
      ],
    }));
  }

  renderRanking(daily) {
    const list = this.box.querySelector('.pv-ranking');
    const byId = new Map(((daily && daily.inverters) || []).map((x) => [x.id, x]));
    const rows = ((daily && daily.ranking) || []).map((r, i) => {
      const inv = byId.get(r.id) || {};
      const cls = rankClass(r.expected_ratio);
      const width = Number.isFinite(r.expected_ratio) ? Math.max(0, Math.min(1, r.expected_ratio)) * 100 : 0;
      return el('li', { class: 'pv-rank', dataset: { id: r.id, status: cls } },
        el('span', { class: 'pv-rank-n', text: String(i + 1) }),
        el('span', { class: 'pv-rank-id', text: r.id }),
        el('span', { class: 'pv-bar' }, el('i', { style: `width:${width.toFixed(1)}%` })),
        el('span', { class: 'pv-rank-ratio', text: pct(r.expected_ratio) + '%' }),
        el('span', { class: 'pv-rank-sub muted', text: t('pv.rank_sub', {
          mwh: mw(inv.e_ac_kwh, 2), avail: pct(inv.availability_time, 0),
        }) }));
    });
    list.replaceChildren(...rows);
    setEmpty(this.box, 'pv-ranking', rows.length ? '' : t('pv.empty.ranking'));
  }

  /** The park's plan: its boundary, its blocks and inverters where they
   * stand, each inverter coloured as in the ranking (when placed). */
  renderLayout(daily) {
    const box = this.box.querySelector('.pv-layout');
    const eq = (this.last.equipment && this.last.equipment.equipment) || [];
    const placed = eq.filter((q) => Number.isFinite(q.lon) && Number.isFinite(q.lat) && q.kind !== 'string');
    box.hidden = placed.length === 0;
    if (box.hidden) return;
    const ratio = new Map(((daily && daily.ranking) || []).map((r) => [r.id, r.expected_ratio]));
    const colour = { ok: '#1f9d6b', fair: '#c9a227', low: '#ff6b5b', none: MUTED };
    const ring = (() => {
      const b = this.site.boundary;
      if (!b) return [];
      const poly = b.type === 'MultiPolygon' ? b.coordinates[0] : b.coordinates;
      return (poly && poly[0]) || [];
    })();
    const kinds = ['block', 'inverter', 'met_station', 'meter', 'tracker'];
    const key = JSON.stringify([this.site.code, placed.map((q) => q.id), [...ratio.values()]]);
    this.charts.show(box, key, () => ({
      grid: { left: 4, right: 4, top: 4, bottom: 4 },
      xAxis: { type: 'value', scale: true, show: false },
      yAxis: { type: 'value', scale: true, show: false },
      tooltip: { trigger: 'item', formatter: (p) => p.data.name },
      series: [
        { type: 'line', data: ring, showSymbol: false, silent: true,
          lineStyle: { color: 'rgba(47,214,255,0.5)', type: 'dashed' } },
        ...kinds.map((kind) => ({
          type: 'scatter', name: kind,
          symbol: kind === 'block' ? 'rect' : kind === 'met_station' ? 'triangle' : kind === 'meter' ? 'diamond' : 'circle',
          symbolSize: kind === 'block' ? 16 : kind === 'inverter' ? 12 : 9,
          data: placed.filter((q) => q.kind === kind).map((q) => ({
            name: q.name ? `${q.id} · ${q.name}` : q.id,
            value: [q.lon, q.lat],
            itemStyle: { color: kind === 'inverter' ? colour[rankClass(ratio.get(q.id))]
              : kind === 'block' ? 'rgba(47,214,255,0.35)' : PALETTE[4] },
            label: { show: kind !== 'tracker', formatter: q.id.replace(/^INV-/, ''),
              position: kind === 'block' ? 'top' : 'bottom',
              color: MUTED, fontSize: 11 },
          })),
        })),
      ],
    }));
  }

  renderStrings(daily) {
    const map = this.box.querySelector('.pv-heatmap');
    const boxes = new Map(((daily && daily.combiners) || []).map((c) => [c.id, { c, strings: [] }]));
    for (const s of (daily && daily.strings) || []) {
      if (!boxes.has(s.combiner)) boxes.set(s.combiner, { c: { id: s.combiner }, strings: [] });
      boxes.get(s.combiner).strings.push(s);
    }
    const rows = [...boxes.values()].filter((b) => b.strings.length).map(({ c, strings }) =>
      el('div', { class: 'pv-box', dataset: { box: c.id } },
        el('span', { class: 'pv-box-id', text: c.id.replace(/^CB-/, ''), title: c.id }),
        el('span', { class: 'pv-cells' }, ...strings.map((s) => el('span', {
          class: 'pv-cell',
          dataset: { string: s.id, status: ratioClass(s.mean_ratio) },
          title: `${s.id}: ${pct(s.mean_ratio)}%`,
        }))),
        el('span', { class: 'pv-box-disp muted', text: t('pv.dispersion', { pct: pct(c.mean_dispersion) }) })));
    map.replaceChildren(...rows);
    setEmpty(this.box, 'pv-strings', rows.length ? '' : t('pv.empty.strings'));
    const low = ((daily && daily.strings) || []).filter((s) => ['low', 'open'].includes(ratioClass(s.mean_ratio))).length;
    setField(this.box, 'p-pv-strings.note', rows.length ? t('pv.strings_note', { n: num(low) }) : '');
  }

  renderAlerts() {
    const { alerts, orders, devices } = this.last;
    const ids = new Set(((devices && devices.devices) || []).map((d) => d.id));
    const mine = ((alerts && alerts.alerts) || []).filter((a) => ids.has(a.subject));
    const list = this.box.querySelector('.pv-alerts');
    list.replaceChildren(...mine.slice(0, LIST_ITEMS).map((a) =>
      el('li', { class: 'alert-row', dataset: { id: String(a.id), severity: a.severity }, title: a.message },
        el('span', { class: 'alert-sev', text: label('severity', a.severity) }),
        el('span', { class: 'alert-plot', text: a.subject }),
        el('span', { class: 'alert-message', text: a.message }),
        el('time', { class: 'alert-time muted', datetime: a.opened, text: ago(a.opened_ms) }))));
    setEmpty(this.box, 'pv-alerts', !alerts ? t('pv.empty.no_monitoring')
      : mine.length ? '' : t('pv.empty.alerts'));
    const open = ((orders && orders.workorders) || []).filter((w) => w.state !== 'done');
    this.box.querySelector('.pv-workorders').replaceChildren(...open.slice(0, LIST_ITEMS).map((w) =>
      el('li', { class: 'pv-wo', dataset: { id: String(w.id), state: w.state } },
        el('span', { class: 'pv-wo-state', text: t('pv.wo.' + w.state) }),
        el('span', { class: 'pv-wo-title', text: w.title, title: w.title }),
        el('span', { class: 'pv-wo-who muted', text: [w.equipment, w.assignee].filter(Boolean).join(' · ') }))));
    setEmpty(this.box, 'pv-workorders', open.length ? '' : t('pv.empty.workorders'));
    setField(this.box, 'p-pv-alerts.note', t('pv.alerts_note', { alerts: num(mine.length), orders: num(open.length) }));
  }

  relabel() {
    for (const e of this.box.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    this.render();
  }
}
