// A plot's vegetation index in its detail: the NDVI of each pass over the
// plot, satellite and drone as two lines, the passes that flagged it
// marked (GET /api/v1/plots/CODE/indices?index=ndvi), and a link to the
// plot's picture of the newest pass (GET /api/v1/plots/CODE/indices.png).

import { api, qs, ApiError } from './api.js';
import { t } from './i18n.js';
import { num, dateTime } from './format.js';
import { el, escapeHtml } from './dom.js';

const INDEX = 'ndvi';
const COLORS = { satellite: '#36f1a4', drone: '#ffc94d', anomaly: '#ff4d4f' };

export class VegetationChart {
  /** root: section#detail; charts: a ChartSet. */
  constructor(root, charts) {
    this.charts = charts;
    this.box = root.querySelector('.vegetation-chart');
    this.empty = root.querySelector('[data-i18n="empty.vegetation"]');
    this.links = root.querySelector('.vegetation-links');
    this.data = null;
    this.code = null;
  }

  async load(code, signal) {
    this.clear();
    this.code = code;
    try {
      const d = await api(`/plots/${encodeURIComponent(code)}/indices` + qs({ index: INDEX }), { signal });
      if (signal?.aborted || this.code !== code) return;
      this.data = d;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.data = null; // a server without imagery: the empty state
    }
    this.render();
  }

  clear() {
    this.code = null;
    this.data = null;
    this.render();
  }

  /** The passes with a value, as [time_ms, mean, scene]. */
  static points(passes) {
    return (passes || []).filter((p) => p.mean !== null && p.mean !== undefined)
      .map((p) => [p.time_ms, p.mean, p.scene]);
  }

  render() {
    const d = this.data;
    const sat = VegetationChart.points(d && d.satellite);
    const drone = VegetationChart.points(d && d.drone);
    const has = sat.length + drone.length > 0;
    this.empty.hidden = has || this.code === null;
    this.box.hidden = !has;
    this.links.replaceChildren();
    this.box.dataset.points = String(sat.length + drone.length);
    this.box.dataset.anomalies = String(has ? d.anomalies.length : 0);
    if (!has) {
      this.charts.drop(this.box);
      return;
    }
    const byScene = new Map([...sat, ...drone].map((p) => [p[2], p]));
    const flagged = (d.anomalies || []).flatMap((a) => {
      const p = byScene.get(a.scene);
      return p ? [{ value: [p[0], p[1]], message: t('alert.text.vegetation', {
        what: t('alert_tpl.vegetation_anomaly'), plot: a.plot, index: String(a.index || 'ndvi').toUpperCase(),
        value: num(a.value, 2), reference: num(a.reference, 2) }) }] : [];
    });
    this.charts.show(this.box, JSON.stringify([sat, drone, flagged]), () => ({
      title: { text: 'NDVI', left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 'normal' } },
      tooltip: {
        trigger: 'item',
        formatter: (p) => `${dateTime(p.value[0])}<br>${p.seriesName}: ${num(p.value[1], 2)}` +
          (p.data && p.data.message ? `<br>${escapeHtml(p.data.message)}` : ''),
      },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 6, textStyle: { fontSize: 11 } },
      grid: { left: 44, right: 12, top: 30, bottom: 24 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', min: 0, max: 1 },
      series: [
        { id: 'satellite', type: 'line', name: t('vegetation.satellite'), data: sat.map((p) => [p[0], p[1]]),
          symbolSize: 6, itemStyle: { color: COLORS.satellite } },
        { id: 'drone', type: 'line', name: t('vegetation.drone'), data: drone.map((p) => [p[0], p[1]]),
          symbolSize: 6, itemStyle: { color: COLORS.drone } },
        { id: 'anomalies', type: 'scatter', name: t('vegetation.anomaly'), data: flagged, symbol: 'triangle',
          symbolSize: 14, z: 5, itemStyle: { color: COLORS.anomaly } },
      ],
    }));
    const newest = [...sat, ...drone].sort((a, b) => b[0] - a[0])[0];
    const href = `/api/v1/plots/${encodeURIComponent(this.code)}/indices.png` + qs({ index: INDEX, scene: newest[2] });
    this.links.replaceChildren(el('a', { class: 'vegetation-png', href, target: '_blank', rel: 'noopener',
      text: t('vegetation.picture', { time: dateTime(newest[0]) }) }));
  }
}
