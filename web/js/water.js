// A plot's soil water balance and next irrigation (GET
// /api/v1/plots/CODE/water): the recommendation in words and figures, and
// the last 30 days' root-zone depletion against the readily (RAW) and
// totally (TAW) available water, with the crop's daily water use.

import { errorText } from './alert_text.js';
import { api, ApiError } from './api.js';
import { t } from './i18n.js';
import { num } from './format.js';
import { el } from './dom.js';

export class WaterBalance {
  /** root: the detail's water block; charts: a ChartSet. */
  constructor(root, charts) {
    this.root = root;
    this.charts = charts;
    this.advice = root.querySelector('.water-advice');
    this.box = root.querySelector('.water-chart');
    this.empty = root.querySelector('.water-empty');
    this.data = null;
  }

  async load(code, signal) {
    this.clear();
    try {
      this.data = await api(`/plots/${encodeURIComponent(code)}/water`, { signal });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      // a server without the water balance says "no such route"; anything
      // else (no crop or sowing date, missing data) is worth reading
      const absent = e.status === 404 && /no such route/.test(e.message);
      this.showEmpty(absent ? t('empty.water') : t('water.no_balance', { message: errorText(e) }));
      return;
    }
    this.render();
  }

  clear() {
    this.data = null;
    this.charts.drop(this.box);
    this.advice.replaceChildren();
    this.root.querySelector('.water').hidden = true;
    this.empty.hidden = true;
  }

  showEmpty(text) {
    this.root.querySelector('.water').hidden = true;
    this.empty.hidden = false;
    this.empty.textContent = text;
  }

  render() {
    const d = this.data;
    if (!d) return;
    const r = d.recommendation || {};
    if (!d.days || !d.days.length) {
      this.showEmpty(t('empty.water'));
      return;
    }
    this.root.querySelector('.water').hidden = false;
    this.empty.hidden = true;
    const rows = r.season_over ? [['water.next', t('water.season_over')]] : [
      ['water.next', r.irrigate_on || '—'],
      ['water.amount', t('water.amount_value', { net: num(r.net_mm, 1), gross: num(r.gross_mm, 1), m3: num(r.volume_m3, 0) })],
      ['water.depletion', t('water.depletion_value', { dr: num(r.depletion, 1), raw: num(r.raw, 1), taw: num(r.taw, 1) })],
      ['water.etc', num(r.etc_rate, 1) + ' mm/d'],
    ];
    if (d.station) rows.push(['water.station', d.station]);
    this.advice.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: t(k) }), el('dd', { text: v })]));
    const days = d.days.slice(-30);
    this.charts.show(this.box, JSON.stringify(days), () => ({
      title: { text: t('water.chart'), left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 'normal' } },
      tooltip: { trigger: 'axis', valueFormatter: (v) => num(v, 1) + ' mm' },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 6, textStyle: { fontSize: 11 } },
      grid: { left: 44, right: 12, top: 30, bottom: 24 },
      xAxis: { type: 'category', data: days.map((x) => x.date.slice(5)) },
      yAxis: { type: 'value', name: 'mm', nameTextStyle: { color: '#6f8aa5' } },
      series: [
        { type: 'bar', name: t('water.etc_series'), data: days.map((x) => x.etc_adj), itemStyle: { color: 'rgba(47,214,255,0.45)' } },
        { type: 'line', name: t('water.depletion_series'), data: days.map((x) => x.depletion), showSymbol: false, lineStyle: { width: 2 }, itemStyle: { color: '#ffc94d' } },
        { type: 'line', name: 'RAW', data: days.map((x) => x.raw), showSymbol: false, lineStyle: { type: 'dashed', width: 1 }, itemStyle: { color: '#36f1a4' } },
        { type: 'line', name: 'TAW', data: days.map((x) => x.taw), showSymbol: false, lineStyle: { type: 'dotted', width: 1 }, itemStyle: { color: '#ff7a59' } },
      ],
    }));
  }
}
