// One plot's detail: its record (GET /api/v1/plots/CODE), its devices'
// latest readings (GET /api/v1/latest?plot=CODE), sensor charts over 24 h,
// 7 days or the season (GET /api/v1/query with step and agg), the water
// balance and next irrigation, valve controls for operators, the plot's
// active alerts with acknowledgement for operators (alerts.js), its NDVI
// across imagery passes (vegetation.js), and its cameras and machinery
// operations (fleet.js).

import { errorText } from './alert_text.js';
import { api, qs, mapLimited, ApiError } from './api.js';
import { t } from './i18n.js';
import { num, label, metricName, metricValue, metricUnit, metricDigits, clockTime } from './format.js';
import { el } from './dom.js';
import { ValveControls } from './valves.js';
import { WaterBalance } from './water.js';
import { PlotFleet } from './fleet.js';
import { PlotAlerts } from './alerts.js';
import { VegetationChart } from './vegetation.js';

const RANGES = {
  day: { from: '-24h', step: '10m', stepMs: 600e3, spanMs: 24 * 3600e3 },
  week: { from: '-7d', step: '1h', stepMs: 3600e3, spanMs: 7 * 86400e3 },
  season: { from: '-180d', step: '1d', stepMs: 86400e3, spanMs: 366 * 86400e3 },
};
const CHART_REDRAW_MS = 10000;
const SKIPPED = new Set(['wind_dir', 'battery', 'signal', 'latitude', 'longitude', 'heading']);

/** The chart a metric goes on. */
function groupOf(metric) {
  if (metric.startsWith('moisture_')) return 'moisture';
  if (metric.startsWith('soil_temp_')) return 'soil_temp';
  const groups = {
    air_temp: 'air', dew_point: 'air', rh: 'humidity', wind_speed: 'wind', wind_gust: 'wind',
    solar_rad: 'radiation', par: 'radiation', rain: 'rain', flow: 'flow', volume: 'volume',
    pipe_pressure: 'pressure', pressure: 'pressure', valve_state: 'valve', power: 'power', energy: 'power',
  };
  return groups[metric] || 'other:' + metric;
}

function groupTitle(group) {
  return group.startsWith('other:') ? metricName(group.slice(6)) : t('group.' + group);
}

export class PlotDetail {
  /**
   * root: section#detail; charts: a ChartSet; me: who is signed in;
   * signal: ends the listeners this adds to the page.
   */
  constructor(root, charts, { me, onClose, signal }) {
    this.root = root;
    this.charts = charts;
    this.onClose = onClose;
    this.code = null;
    this.range = 'day';
    this.data = null;        // {plot, devices, latest}
    this.lines = new Map();  // "device/metric" -> {group, points: [[ts, v]]}
    this.chartBoxes = new Map(); // group -> element
    this.dirty = new Set();  // groups to draw anew
    this.live = new Set();   // groups with new live points
    this.redrawTimer = null;
    this.abort = null;
    this.valves = new ValveControls(root.querySelector('.valves'), me);
    this.water = new WaterBalance(root.querySelector('.water').parentElement, charts);
    this.fleet = new PlotFleet(root);
    this.alerts = new PlotAlerts(root, me);
    this.vegetation = new VegetationChart(root, charts);
    root.querySelector('.close').addEventListener('click', () => this.close(), { signal });
    for (const b of root.querySelectorAll('[data-range]'))
      b.addEventListener('click', () => this.setRange(b.dataset.range), { signal });
  }

  isOpen() {
    return this.code !== null;
  }

  async open(code) {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    this.code = code;
    this.root.hidden = false;
    this.root.dataset.code = code;
    this.root.dataset.state = 'loading';
    this.root.querySelector('.detail-code').textContent = code;
    this.root.querySelector('.detail-name').textContent = t('detail.loading');
    this.clearCharts();
    try {
      const enc = encodeURIComponent(code);
      const [plot, devices, latest] = await Promise.all([
        api('/plots/' + enc, { signal: abort.signal }),
        api('/devices' + qs({ plot: code }), { signal: abort.signal }),
        api('/latest' + qs({ plot: code }), { signal: abort.signal }),
      ]);
      if (abort.signal.aborted) return;
      this.data = { plot: plot.properties, devices: devices.devices, latest: latest.devices };
      this.renderAll();
      await Promise.all([this.loadCharts(abort.signal), this.water.load(code, abort.signal),
        this.fleet.load(code, abort.signal), this.alerts.load(code, abort.signal),
        this.vegetation.load(code, abort.signal)]);
      if (!abort.signal.aborted) this.root.dataset.state = 'ready';
    } catch (e) {
      if (abort.signal.aborted) return;
      this.root.dataset.state = 'error';
      this.root.querySelector('.detail-name').textContent = t('detail.load_failed', { message: errorText(e) });
    }
  }

  close() {
    this.abort?.abort();
    this.abort = null;
    this.code = null;
    this.data = null;
    this.root.hidden = true;
    delete this.root.dataset.code;
    this.clearCharts();
    this.valves.clear();
    this.water.clear();
    this.fleet.clear();
    this.alerts.clear();
    this.vegetation.clear();
    this.onClose?.();
  }

  setRange(range) {
    if (!RANGES[range] || range === this.range) return;
    this.range = range;
    for (const b of this.root.querySelectorAll('[data-range]'))
      b.setAttribute('aria-pressed', String(b.dataset.range === range));
    if (this.data) {
      this.clearCharts();
      const abort = this.abort;
      this.loadCharts(abort ? abort.signal : undefined);
    }
  }

  relabel() {
    if (!this.data) return;
    this.renderAll();
    this.water.render();
    this.fleet.render();
    this.alerts.render();
    this.vegetation.render();
    for (const group of this.chartBoxes.keys()) this.dirty.add(group);
    this.redrawCharts();
  }

  renderAll() {
    this.renderRecord();
    this.renderLatest();
    this.valves.render(this.data.devices, this.data.latest);
  }

  renderRecord() {
    const p = this.data.plot;
    this.root.querySelector('.detail-name').textContent = p.name || '';
    const fc = (v) => (v === null || v === undefined ? '—' : num(v, 3) + ' m³/m³');
    const rows = [
      ['field.crop', label('crop', p.crop)],
      ['field.variety', p.variety || '—'],
      ['field.sowing_date', p.sowing_date || '—'],
      ['field.irrigation', label('irrigation_kind', p.irrigation)],
      ['field.soil_texture', label('texture', p.soil_texture)],
      ['field.field_capacity', fc(p.field_capacity)],
      ['field.wilting_point', fc(p.wilting_point)],
      ['field.area', t('field.area_value', { mu: num(p.area_mu, 1), ha: num(p.area_ha, 2) })],
      ['field.owner', p.owner || '—'],
      ['field.devices', this.data.devices.length ? this.data.devices.map((d) => d.id).join(', ') : '—'],
    ];
    this.root.querySelector('.detail-record').replaceChildren(
      ...rows.flatMap(([k, v]) => [el('dt', { text: t(k) }), el('dd', { text: v })]));
  }

  renderLatest() {
    const box = this.root.querySelector('.latest-table');
    if (!this.data.devices.length) {
      box.replaceChildren(el('p', { class: 'empty', text: t('detail.no_devices') }));
      return;
    }
    const rows = [];
    for (const d of this.data.latest) {
      for (const [metric, v] of Object.entries(d.values)) {
        rows.push(el('div', { class: 'latest-row', dataset: { series: d.id + '/' + metric } },
          el('span', { class: 'latest-name', text: metricName(metric) }),
          el('span', { class: 'latest-device muted', text: label('kind', d.kind) + ' ' + d.id }),
          el('span', { class: 'latest-value', text: metricValue(metric, v.value) }),
          el('time', { class: 'latest-time muted', text: clockTime(v.ts) })));
      }
    }
    box.replaceChildren(...rows);
  }

  /** The series to chart: every (device, metric) with a value, by group. */
  seriesList() {
    const list = [];
    for (const d of this.data.latest)
      for (const metric of Object.keys(d.values))
        if (!SKIPPED.has(metric)) list.push({ device: d.id, metric, group: groupOf(metric) });
    return list;
  }

  rangeParams() {
    const r = { ...RANGES[this.range] };
    const sown = this.data.plot.sowing_date;
    if (this.range === 'season' && sown && Date.parse(sown) < Date.now()) r.from = sown;
    return r;
  }

  async loadCharts(signal) {
    const list = this.seriesList();
    const box = this.root.querySelector('.detail-charts');
    if (!list.length) {
      box.replaceChildren(el('p', { class: 'empty', text: t('detail.no_devices') }));
      return;
    }
    const r = this.rangeParams();
    const code = this.code;
    await mapLimited(list, 4, async (s) => {
      const agg = s.metric === 'valve_state' ? 'max' : 'avg';
      try {
        const q = await api('/query' + qs({ series: s.device + '/' + s.metric, from: r.from, step: r.step, agg: agg + ',count' }), { signal });
        if (this.code !== code || !q.values.length) return;
        const last = q.values[q.values.length - 1];
        this.lines.set(s.device + '/' + s.metric, {
          ...s, agg, stepMs: r.stepMs, spanMs: r.spanMs,
          points: q.values.map((row) => [row[0], row[1]]),
          lastCount: last ? last[2] : 0,  // points in the newest bucket
        });
        this.dirty.add(s.group);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
      }
    });
    if (this.code === code) this.redrawCharts();
  }

  /** New imagery arrived: the open plot's NDVI series anew. */
  onImagery() {
    if (this.data && this.abort) this.vegetation.load(this.code, this.abort.signal).catch(() => {});
  }

  /** The screen's active alerts changed (an `alert` event). */
  onAlerts(active) {
    if (this.data) this.alerts.update(active);
  }

  /** A valve command's change of state, from the stream. */
  onCommand(cmd) {
    this.valves.onCommand(cmd);
  }

  /** A point from the stream (any plot's). */
  onPoint(p) {
    if (p.plot !== this.code || !this.data) return;
    const key = p.device + '/' + p.metric;
    const row = this.root.querySelector(`.latest-row[data-series="${CSS.escape(key)}"]`);
    if (row) {
      row.querySelector('.latest-value').textContent = metricValue(p.metric, p.value);
      row.querySelector('.latest-time').textContent = clockTime(p.ts);
    }
    const line = this.lines.get(key);
    if (!line || !addToBuckets(line, p.ts, p.value)) return;
    this.live.add(line.group);
    if (!this.redrawTimer)
      this.redrawTimer = setTimeout(() => this.redrawLive(), CHART_REDRAW_MS);
  }

  /** New live points: only the lines' data changes, the chart stays. */
  redrawLive() {
    this.redrawTimer = null;
    for (const group of this.live) {
      const box = this.chartBoxes.get(group);
      if (!box) continue;
      const series = [...this.lines.entries()].filter(([, l]) => l.group === group)
        .map(([key, l]) => ({ id: key, data: l.points }));
      this.charts.get(box).setOption({ series });
    }
    this.live.clear();
  }

  chartBox(group) {
    let box = this.chartBoxes.get(group);
    if (!box) {
      box = el('div', { class: 'detail-chart', dataset: { group } });
      this.root.querySelector('.detail-charts').append(box);
      this.chartBoxes.set(group, box);
    }
    return box;
  }

  redrawCharts() {
    clearTimeout(this.redrawTimer);
    this.redrawTimer = null;
    for (const group of this.live) this.dirty.add(group);
    this.live.clear();
    const groups = [...this.dirty].sort(groupOrder);
    this.dirty.clear();
    const placeholder = this.root.querySelector('.detail-charts > .empty');
    if (placeholder) placeholder.remove();
    for (const group of groups) {
      const lines = [...this.lines.values()].filter((l) => l.group === group);
      const devices = new Set(lines.map((l) => l.device));
      const unit = lines.length ? metricUnit(lines[0].metric) : '';
      const digits = lines.length ? metricDigits(lines[0].metric) : 1;
      const chart = this.charts.get(this.chartBox(group));
      chart.setOption({
        title: { text: groupTitle(group) + (unit ? ` (${unit})` : ''), left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 'normal' } },
        tooltip: { trigger: 'axis', valueFormatter: (v) => num(v, digits) },
        legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 6, textStyle: { fontSize: 11 } },
        grid: { left: 44, right: 12, top: 30, bottom: 24 },
        xAxis: { type: 'time' },
        yAxis: { type: 'value', scale: group !== 'valve', max: group === 'valve' ? 1 : null },
        series: lines.map((l) => ({
          id: l.device + '/' + l.metric, type: 'line', name: metricName(l.metric) + (devices.size > 1 ? ' · ' + l.device : ''),
          showSymbol: false, step: group === 'valve' ? 'end' : false, smooth: false,
          lineStyle: { width: 1.6 }, data: l.points,
        })),
      }, { notMerge: true });
    }
    if (!this.chartBoxes.size && this.data)
      this.root.querySelector('.detail-charts').replaceChildren(el('p', { class: 'empty', text: t('detail.no_data') }));
  }

  clearCharts() {
    clearTimeout(this.redrawTimer);
    this.redrawTimer = null;
    for (const box of this.chartBoxes.values()) this.charts.drop(box);
    this.chartBoxes.clear();
    this.lines.clear();
    this.dirty.clear();
    this.live.clear();
    this.root.querySelector('.detail-charts').replaceChildren();
  }
}

/**
 * Fold a live point into a line of buckets as the API made them (aligned
 * to multiples of the step, avg or max): the newest bucket is updated or a
 * new one started, and buckets older than the range are dropped, so a line
 * never holds more than range / step points however long the screen runs.
 * False for a point older than the newest bucket (left to the next load).
 */
export function addToBuckets(line, ts, value) {
  const pts = line.points;
  const start = Math.floor(ts / line.stepMs) * line.stepMs;
  const last = pts[pts.length - 1];
  if (last && start < last[0]) return false;
  if (last && start === last[0]) {
    last[1] = line.agg === 'max' ? Math.max(last[1], value)
      : (last[1] * line.lastCount + value) / (line.lastCount + 1);
    line.lastCount++;
  } else {
    pts.push([start, value]);
    line.lastCount = 1;
  }
  const oldest = start - line.spanMs;
  let drop = 0;
  while (drop < pts.length && pts[drop][0] < oldest) drop++;
  if (drop) pts.splice(0, drop);
  return true;
}

const ORDER = ['moisture', 'soil_temp', 'flow', 'valve', 'volume', 'pressure', 'air', 'humidity', 'wind', 'radiation', 'rain', 'power'];

function groupOrder(a, b) {
  const ia = ORDER.indexOf(a), ib = ORDER.indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
}
