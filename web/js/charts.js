// ECharts for the screen: the dark theme, and a set of chart instances that
// follow their containers' size and are disposed together.

import * as echarts from '/vendor/echarts.esm.min.js';
import { currentLang } from './i18n.js';

export { echarts };

export const PALETTE = ['#2fd6ff', '#36f1a4', '#ffc94d', '#ff7a59', '#a98bff', '#5b8cff', '#ff5fa2', '#9be15d'];
export const TEXT = '#b8cde0';
export const MUTED = '#6f8aa5';
export const GRID_LINE = 'rgba(90, 140, 190, 0.16)';

const THEME = 'oasis-dark';

echarts.registerTheme(THEME, {
  // a wall screen's figures change every minute for weeks: no transition
  // to watch, and none to compute (the map sets the same for itself)
  animation: false,
  color: PALETTE,
  backgroundColor: 'transparent',
  textStyle: { color: TEXT, fontFamily: 'inherit' },
  title: { textStyle: { color: TEXT } },
  legend: { textStyle: { color: TEXT } },
  tooltip: {
    backgroundColor: 'rgba(6, 20, 36, 0.94)',
    borderColor: '#1f4868',
    textStyle: { color: '#e6f2ff' },
  },
  categoryAxis: {
    axisLine: { lineStyle: { color: '#2a4058' } },
    axisTick: { show: false },
    axisLabel: { color: MUTED },
    splitLine: { lineStyle: { color: GRID_LINE } },
  },
  valueAxis: {
    axisLine: { show: false },
    axisLabel: { color: MUTED },
    splitLine: { lineStyle: { color: GRID_LINE } },
  },
  timeAxis: {
    axisLine: { lineStyle: { color: '#2a4058' } },
    axisLabel: { color: MUTED },
    splitLine: { show: false },
  },
});

/** Chart instances of one part of the screen. */
export class ChartSet {
  constructor() {
    this.charts = new Map();
    this.shown = new Map(); // container -> key of what its chart shows
    this.observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const chart = this.charts.get(entry.target);
        const { width, height } = entry.contentRect;
        // a box of no size (hidden) keeps its last layout: maps cannot lay out in it
        if (chart && !chart.isDisposed() && width > 0 && height > 0) chart.resize();
      }
    });
  }

  /** The chart of this container, made on first use. */
  get(container, opts = {}) {
    let chart = this.charts.get(container);
    if (!chart || chart.isDisposed()) {
      chart = echarts.init(container, THEME, { renderer: 'canvas', ...opts });
      this.charts.set(container, chart);
      this.shown.delete(container);
      this.observer.observe(container);
    } else if (container.clientWidth > 0 && container.clientHeight > 0 &&
               (chart.getWidth() !== container.clientWidth || chart.getHeight() !== container.clientHeight)) {
      chart.resize(); // shown since the last resize the observer reported
    }
    return chart;
  }

  /**
   * Draw an option on a container's chart only when what it shows changed:
   * key is a string of the inputs; the language is added here, since every
   * chart's labels follow it.  Later options
   * merge into the chart the first one built (the series replaced as a
   * whole), so ECharts updates its components in place rather than
   * building them anew: a wall screen refreshing every minute for weeks
   * runs less code, and less of it only now and then.
   */
  show(container, key, makeOption) {
    const chart = this.get(container);
    const shown = currentLang() + '\n' + key;
    if (this.shown.get(container) === shown) return;
    chart.setOption(makeOption(), { replaceMerge: ['series'] });
    this.shown.set(container, shown);
  }

  /** Dispose the chart of one container (before it leaves the page). */
  drop(container) {
    const chart = this.charts.get(container);
    if (!chart) return;
    this.observer.unobserve(container);
    chart.dispose();
    this.charts.delete(container);
    this.shown.delete(container);
  }

  dispose() {
    for (const container of [...this.charts.keys()]) this.drop(container);
    this.observer.disconnect();
  }
}
