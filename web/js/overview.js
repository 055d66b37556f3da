// The overview panels: totals, weather with its wind rose, soil moisture,
// today's irrigation plan and water metered, imagery passes, machinery and
// the active alerts; a section the API has no data for says so (an honest
// empty state, never a zero).  Every figure is the API's: GET
// /api/v1/overview's, GET /api/v1/irrigation/plan's and (kept current from
// the stream) GET /api/v1/alerts?state=active's.

import { cropColor } from './crops.js';
import { t } from './i18n.js';
import { num, compass, label, passWhen } from './format.js';
import { setField, setEmpty } from './dom.js';
import { MUTED, GRID_LINE } from './charts.js';
import { alertRow, groupAlerts, ALERT_ITEMS } from './alerts.js';

const ROSE_COLORS = ['#1e6fa8', '#2fd6ff', '#36f1a4', '#ffc94d', '#ff7a59'];

export class OverviewPanels {
  /** root: the screen; charts: a ChartSet; onPickPlot(code): an alert's plot was clicked. */
  constructor(root, charts, { onPickPlot } = {}) {
    this.root = root;
    this.charts = charts;
    this.onPickPlot = onPickPlot;
    this.data = null;
    this.plan = null;
    this.alerts = null; // {available, open, items} newer than the overview's
  }

  render(ov) {
    this.data = ov;
    this.renderTotals(ov);
    this.renderWeather(ov.weather);
    this.renderSoil(ov.soil_moisture);
    this.renderPending(ov);
  }

  /** Re-label after a language switch. */
  relabel() {
    if (this.data) this.render(this.data);
  }

  /** Show a chart's option when its key (what it shows) changed. */
  show(name, key, makeOption) {
    this.charts.show(this.root.querySelector(`[data-chart="${name}"]`), key, makeOption);
  }

  renderTotals(ov) {
    setField(this.root, 'plots.count', num(ov.plots.count));
    setField(this.root, 'plots.area_mu', num(ov.plots.area_mu, 0));
    setField(this.root, 'devices.count', num(ov.devices.count));
    const crops = [...ov.plots.crops].sort((a, b) => b.area_mu - a.area_mu);
    const total = crops.reduce((s, c) => s + c.area_mu, 0) || 1;
    this.show('crops', JSON.stringify(crops), () => ({
      tooltip: { trigger: 'item', valueFormatter: (v) => num(v, 0) + ' ' + t('unit.mu') },
      legend: {
        orient: 'vertical', right: 4, top: 'middle', itemWidth: 10, itemHeight: 10,
        formatter: (name) => {
          const c = crops.find((x) => label('crop', x.crop) === name);
          return c ? `${name}  ${num(c.area_mu, 0)} ${t('unit.mu')}  ${num(100 * c.area_mu / total, 0)}%` : name;
        },
      },
      series: [{
        type: 'pie', radius: ['52%', '78%'], center: ['26%', '50%'],
        label: { show: false }, itemStyle: { borderColor: '#07162a', borderWidth: 2 },
        data: crops.map((c) => ({ name: label('crop', c.crop), value: c.area_mu,
          itemStyle: { color: cropColor(c.crop) } })),
      }],
    }));
  }

  renderWeather(w) {
    const cur = (w && w.current) || {};
    const v = (m) => (cur[m] ? cur[m].value : null);
    setField(this.root, 'weather.air_temp', num(v('air_temp'), 1));
    setField(this.root, 'weather.rh', num(v('rh'), 0));
    setField(this.root, 'weather.wind_speed', num(v('wind_speed'), 1));
    setField(this.root, 'weather.solar_rad', num(v('solar_rad'), 0));
    const dir = v('wind_dir');
    setField(this.root, 'weather.wind_dir', dir === null ? '' :
      `${t('weather.from', { dir: compass(dir) })} ${num(dir, 0)}°`);
    const et0 = w && w.et0_today && w.et0_today.available ? w.et0_today.mm : null;
    setField(this.root, 'weather.et0', num(et0, 2));
    setField(this.root, 'weather.note', w && w.stations
      ? t('weather.reporting', { n: w.reporting, m: w.stations }) : t('weather.none'));
    this.renderRose(w && w.wind_rose);
  }

  renderRose(rose) {
    this.show('rose', JSON.stringify(rose || null), () => this.roseOption(rose));
  }

  roseOption(rose) {
    const sectors = Array.from({ length: 16 }, (_, i) => t('compass.' + i));
    const samples = rose && rose.samples ? rose.samples : 0;
    const classes = rose ? rose.speed_classes_ms : [];
    const series = classes.map((lo, k) => ({
      type: 'bar', coordinateSystem: 'polar', stack: 'rose',
      name: k + 1 < classes.length ? t('rose.class', { lo, hi: classes[k + 1] })
        : t('rose.class_top', { lo }),
      itemStyle: { color: ROSE_COLORS[k % ROSE_COLORS.length] },
      data: rose.counts.map((row) => (samples ? (100 * row[k]) / samples : 0)),
    }));
    return {
      title: {
        text: t('weather.rose'), left: 0, top: 0,
        textStyle: { fontSize: 12, fontWeight: 'normal', color: MUTED },
      },
      tooltip: { trigger: 'item', valueFormatter: (x) => num(x, 1) + ' %' },
      legend: { orient: 'vertical', right: 0, bottom: 0, itemWidth: 10, itemHeight: 8, textStyle: { fontSize: 11 } },
      polar: { center: ['40%', '54%'], radius: '70%' },
      angleAxis: {
        type: 'category', data: sectors, startAngle: 90 + 360 / 32, clockwise: true,
        axisLabel: { color: MUTED, fontSize: 10, interval: 1 },
        axisLine: { lineStyle: { color: '#2a4058' } },
      },
      radiusAxis: { axisLabel: { show: false }, axisLine: { show: false }, splitLine: { lineStyle: { color: GRID_LINE } } },
      series,
    };
  }

  renderSoil(s) {
    const mean = s && s.mean ? s.mean : null;
    setField(this.root, 'soil.mean', num(mean && mean.value, 1));
    setField(this.root, 'soil.range', mean ? t('soil.range', { min: num(mean.min, 1), max: num(mean.max, 1) }) : '');
    setField(this.root, 'soil.note', s && s.probes
      ? t('soil.reporting', { n: s.reporting, m: s.probes }) : t('soil.none'));
    const depths = (s && s.depths ? [...s.depths] : []).sort((a, b) => depthCm(a.metric) - depthCm(b.metric));
    const names = depths.map((d) => t('soil.depth', { d: depthCm(d.metric) }));
    this.show('depths', JSON.stringify(depths), () => ({
      grid: { left: 52, right: 44, top: 8, bottom: 8 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', min: 0, max: (x) => Math.ceil(x.max / 10) * 10, show: false },
      yAxis: { type: 'category', data: names, inverse: true, axisLabel: { color: MUTED } },
      series: [
        {
          type: 'bar', name: t('soil.mean'), barWidth: '46%',
          data: depths.map((d) => d.value),
          itemStyle: {
            borderRadius: [0, 3, 3, 0],
            color: { type: 'linear', x: 0, y: 0, x2: 1, y2: 0, colorStops: [{ offset: 0, color: '#1e6fa8' }, { offset: 1, color: '#2fd6ff' }] },
          },
          label: { show: true, position: 'right', color: '#e6f2ff', formatter: (p) => num(p.value, 1) },
        },
      ],
    }));
  }

  /** Today's plan (GET /api/v1/irrigation/plan), or null without one. */
  setPlan(plan) {
    this.plan = plan;
    this.renderIrrigation();
  }

  renderIrrigation() {
    const ov = this.data;
    const plan = this.plan;
    const done = ov && ov.irrigation.available ? ov.irrigation.done_m3 : null;
    setField(this.root, 'irrigation.done', num(done));
    if (plan) {
      const due = plan.due || [];
      setField(this.root, 'irrigation.planned', num(due.reduce((s, d) => s + (d.volume_m3 || 0), 0), 0));
      setField(this.root, 'irrigation.due', due.length ? t('irrigation.due', { n: due.length }) : t('irrigation.none_due'));
      setEmpty(this.root, 'irrigation', done === null ? t('empty.irrigation_done') : '');
      return;
    }
    setField(this.root, 'irrigation.planned', num(ov && ov.irrigation.planned_m3));
    setField(this.root, 'irrigation.due', '');
    setEmpty(this.root, 'irrigation', ov && ov.irrigation.available ? '' : t('empty.irrigation'));
  }

  renderPending(ov) {
    const pending = (section, name) => setEmpty(this.root, name,
      section && section.available ? '' : t('empty.' + name));
    this.renderIrrigation();
    pending(ov.imagery, 'imagery');
    const pass = (scene) => (scene && scene.acquired_ms ? passWhen(scene.acquired_ms) : '—');
    setField(this.root, 'imagery.satellite', pass(ov.imagery.last_satellite));
    setField(this.root, 'imagery.drone', pass(ov.imagery.last_drone));
    setField(this.root, 'imagery.anomalies', ov.imagery.available
      ? t('imagery.anomalies_value', { n: num(ov.imagery.anomalies ?? null) }) : '—');
    pending(ov.machinery, 'machinery');
    setField(this.root, 'machinery.working', num(ov.machinery.available ? ov.machinery.working : null));
    setField(this.root, 'machinery.tractors', num(ov.devices.by_kind.tractor || 0));
    setField(this.root, 'machinery.drones', num(ov.devices.by_kind.drone || 0));
    this.renderAlerts();
  }

  /** The active alerts, newer than the overview's (from the stream). */
  setAlerts(section) {
    this.alerts = section;
    if (this.data) this.renderAlerts();
  }

  renderAlerts() {
    const al = this.alerts || this.data.alerts || {};
    setEmpty(this.root, 'alerts', !al.available ? t('empty.alerts')
      : al.open === 0 ? t('alerts.none') : '');
    setField(this.root, 'alerts.open', al.available ? num(al.open) + (al.more ? '+' : '') : '—');
    // one row per rule: an event of the whole base is one row with its count
    const items = al.available ? groupAlerts(al.items || []).slice(0, ALERT_ITEMS) : [];
    this.root.querySelector('#p-alerts .alert-list').replaceChildren(
      ...items.map((a) => alertRow(a, this.onPickPlot)));
  }
}

function depthCm(metric) {
  const m = /(\d+)cm$/.exec(metric);
  return m ? Number(m[1]) : 0;
}
