// The map of the base: every plot drawn from its geometry (an ECharts
// GeoJSON map registered from GET /api/v1/plots; no tile server), colored
// by the chosen layer (soil moisture, crop, NDVI growth, today's
// irrigation need, active alerts), labelled with plot codes when zoomed in, searchable
// by code, and clickable to open a plot's detail; tractors and drones on
// top, where they last reported.  An optional basemap image (config.json)
// lies under the plots.

import { alertPlots } from './alert_text.js';
import { echarts } from './charts.js';
import { t } from './i18n.js';
import { num, label } from './format.js';
import { el, escapeHtml } from './dom.js';

const MAP_NAME = 'oasis-plots';
const NEUTRAL = '#17324f';
const MOISTURE_RANGE = [10, 40]; // %vol: dry sandy soil to a wet clay loam
const MOISTURE_COLORS = ['#9a4a16', '#d9903b', '#e8dc7a', '#4cc9c0', '#2a7de1', '#2444b8'];
const CROP_COLORS = ['#36f1a4', '#ffc94d', '#a98bff', '#ff7a59', '#5b8cff', '#ff5fa2', '#9be15d'];
const NDVI_RANGE = [0.1, 0.9]; // bare soil to a closed cotton canopy
const NDVI_COLORS = ['#7a5a2e', '#b59a45', '#d9e06a', '#8fd14f', '#3fae3a', '#17702a'];
const URGENCY_RANGE = [-0.2, 0.3]; // (Dr - RAW) / TAW: a little before RAW to well past it
const URGENCY_COLORS = ['#ffe27a', '#ffa347', '#ff5a3c', '#c4162a'];
const NOT_DUE = '#2a6f8f';
export const SEVERITY_COLORS = { info: '#5b8cff', warning: '#ffc94d', critical: '#ff4d4f' };
const SEVERITY_RANK = { info: 1, warning: 2, critical: 3 };
// Live points (moisture, machines) recolor the map at most this often: a
// redraw rebuilds every plot's shape (a quarter of a second of the page's
// main thread at 5,000 plots: bench/screen_paint.mjs), and the more often
// it runs the sooner V8 compiles and keeps optimized code for ECharts'
// once-per-redraw functions (docs/BIG_SCREEN.md, "Memory over time")
const REDRAW_MS = 10000;

/** The map's layers; each shows an empty state while it has no data. */
export const LAYERS = ['moisture', 'crop', 'growth', 'irrigation', 'alerts'];

export class PlotMap {
  /**
   * container: the map's element; charts: a ChartSet; onSelect(code):
   * a plot was clicked or found.
   */
  constructor(container, charts, { onSelect, basemap = null } = {}) {
    this.container = container;
    this.chart = charts.get(container);
    this.onSelect = onSelect;
    this.basemap = basemap;
    this.layer = 'moisture';
    this.plots = new Map();      // code -> properties
    this.boxes = new Map();      // code -> [minLon, minLat, maxLon, maxLat]
    this.extent = null;
    this.moistureBase = new Map(); // code -> mean %vol from the overview
    this.moistureLive = new Map(); // code -> Map(series -> %vol) from the stream
    this.machines = new Map();     // device -> {kind, lon, lat, heading, speed, working, ts}
    this.machineInfo = new Map();  // device -> GET /api/v1/machines' entry
    this.cameras = [];             // GET /api/v1/cameras' entries
    this.ndvi = new Map();         // code -> newest NDVI (overview.imagery.ndvi)
    this.ndviKind = new Map();     // code -> satellite or drone
    this.plan = null;              // code -> due entry of today's plan; null: no plan
    this.unplanned = new Set();    // codes the plan has no balance for
    this.worst = new Map();        // code -> worst severity of its active alerts
    this.alertsKnown = false;      // the server has monitoring
    this.crops = [];
    this.zoom = 1;
    this.labels = false;
    this.redrawTimer = null;
    this.firstPaint = null;
    this.chart.on('click', (p) => {
      if (p.componentType === 'geo' && this.plots.has(p.name)) this.onSelect(p.name);
      // a camera opens its plot, whose detail plays it
      if (p.seriesId === 'cameras' && p.data?.plot && this.plots.has(p.data.plot)) this.onSelect(p.data.plot);
    });
    this.chart.on('georoam', (p) => this.onRoam(p));
    this.firstPaintDone = new Promise((resolve) => { this.firstPaint = resolve; });
    // ECharts cannot lay a map out in a box of no size: wait for one
    this.pendingReset = null;
    this.sizeWatch = new ResizeObserver(() => {
      if (this.pendingReset !== null && this.hasSize()) this.render(this.pendingReset);
    });
    this.sizeWatch.observe(container);
    this.chart.on('finished', () => {
      if (this.plots.size && this.firstPaint) {
        this.firstPaint();
        this.firstPaint = null;
      }
    });
  }

  /** Draw these plots (a GeoJSON FeatureCollection). */
  setPlots(fc) {
    this.plots.clear();
    this.boxes.clear();
    this.features = new Map();
    this.selected = null;
    const crops = new Set();
    for (const f of fc.features) {
      const p = f.properties;
      this.plots.set(p.code, p);
      this.features.set(p.code, f);
      this.boxes.set(p.code, bboxOf(f.geometry));
      crops.add(p.crop || 'unknown');
    }
    this.crops = [...crops].sort();
    this.extent = unionBox([...this.boxes.values()]);
    echarts.registerMap(MAP_NAME, fc);
    this.zoom = 1;
    this.labels = false;
    this.render(true);
  }

  codes() {
    return [...this.plots.keys()];
  }

  setLayer(id) {
    if (!LAYERS.includes(id)) return;
    this.layer = id;
    this.render(false);
  }

  /** The per-plot means of GET /api/v1/overview; live values start over. */
  setMoisture(plots) {
    this.moistureBase = new Map(Object.entries(plots || {}));
    this.moistureLive.clear();
    if (this.layer === 'moisture' && this.plots.size) this.redraw();
  }

  /** Each plot's newest NDVI and its kind (GET /api/v1/overview's imagery). */
  setGrowth(imagery) {
    this.ndvi = new Map(Object.entries((imagery && imagery.ndvi) || {}));
    this.ndviKind = new Map(Object.entries((imagery && imagery.ndvi_kind) || {}));
    if (this.layer === 'growth' && this.plots.size) this.redraw();
  }

  /** Today's plan (GET /api/v1/irrigation/plan), or null without one. */
  setPlan(plan) {
    this.plan = plan ? new Map((plan.due || []).map((d) => [d.plot, d])) : null;
    this.unplanned = new Set(plan ? (plan.without_balance || []).map((w) => w.plot) : []);
    if (this.layer === 'irrigation' && this.plots.size) this.redraw();
  }

  /**
   * The active alerts (GET /api/v1/alerts?state=active): each plot's
   * worst; null when the server has no monitoring.
   */
  setAlerts(alerts) {
    this.alertsKnown = alerts !== null && alerts !== undefined;
    this.worst.clear();
    const all = [...this.plots.keys()];
    for (const a of alerts || [])
      for (const code of alertPlots(a, all)) { // a weather alert: every plot it covers
        const had = this.worst.get(code);
        if (!had || (SEVERITY_RANK[a.severity] || 0) > (SEVERITY_RANK[had] || 0)) this.worst.set(code, a.severity);
      }
    if (this.layer === 'alerts' && this.plots.size) this.redraw();
  }

  /** A soil moisture reading from the stream. */
  addMoisturePoint(plot, series, value) {
    if (!this.plots.has(plot)) return;
    let m = this.moistureLive.get(plot);
    if (!m) this.moistureLive.set(plot, (m = new Map()));
    m.set(series, value);
    if (this.layer === 'moisture') this.scheduleRedraw();
  }

  /** Tractors and drones as GET /api/v1/overview lists them. */
  setMachines(positions) {
    this.machines.clear();
    for (const m of positions || [])
      this.machines.set(m.device, {
        kind: m.kind, lon: m.position[0], lat: m.position[1], heading: m.heading,
        speed: m.speed, working: m.working, ts: m.ts,
      });
    if (this.plots.size) this.redraw();
  }

  /**
   * A point from the stream: a machine's position or state.  Returns
   * false when it is not one.
   */
  addMachinePoint(device, metric, value, ts) {
    const fields = { longitude: 'lon', latitude: 'lat', heading: 'heading', speed: 'speed', working: 'working' };
    const field = fields[metric];
    if (!field) return false;
    let m = this.machines.get(device);
    if (!m) {
      if (metric !== 'longitude' && metric !== 'latitude') return false;
      this.machines.set(device, (m = { kind: 'machine', lon: null, lat: null, heading: null, speed: null, working: null, ts }));
    }
    m[field] = field === 'working' ? value >= 0.5 : value;
    m.ts = ts;
    this.scheduleRedraw();
    return true;
  }

  machineData() {
    const out = [];
    for (const [device, m] of this.machines) {
      if (m.lon === null || m.lat === null) continue;
      out.push({
        name: device, value: [m.lon, m.lat],
        symbol: m.kind === 'drone' ? 'diamond' : 'arrow',
        symbolRotate: m.kind === 'drone' ? 0 : -(m.heading || 0),
        itemStyle: { color: m.working ? '#ffc94d' : '#9fb4c8' },
      });
    }
    return out;
  }

  /** The cameras (GET /api/v1/cameras), drawn at their place or their plot's centre. */
  setCameras(cameras) {
    this.cameras = cameras || [];
    if (this.pendingReset === null && this.plots.size)
      this.chart.setOption({ series: [{ id: 'cameras', data: this.cameraData() }] });
  }

  cameraData() {
    return this.cameras.flatMap((c) => {
      const box = this.boxes.get(c.plot);
      const at = c.location || (box && [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]);
      if (!at) return [];
      return [{ name: c.id, value: at, plot: c.plot, camera: c,
        itemStyle: { color: CAMERA_COLORS[c.state] || CAMERA_COLORS.idle } }];
    });
  }

  /** What GET /api/v1/machines adds: each machine's implement and operation. */
  setMachineInfo(machines) {
    this.machineInfo = new Map((machines || []).map((m) => [m.id, m]));
  }

  machineTooltip(name) {
    const m = this.machines.get(name);
    if (!m) return '';
    const state = m.working === null ? '' : ' · ' + t(m.working ? 'machinery.state_working' : 'machinery.state_idle');
    const info = this.machineInfo.get(name);
    const work = info && info.operation ? `<br>${escapeHtml(label('operation', info.operation))}` +
      (info.implement ? ` (${escapeHtml(label('implement', info.implement))}` +
        `${info.swath_m ? t('alert.and') + t('machinery.swath', { m: num(info.swath_m, 1) }) : ''})` : '') : '';
    return `<b>${escapeHtml(name)}</b><br>${escapeHtml(label('kind', m.kind))}${state}${work}` +
      (m.speed === null ? '' : `<br>${num(m.speed, 1)} m/s`);
  }

  moistureOf(code) {
    const live = this.moistureLive.get(code);
    if (live && live.size) {
      let s = 0;
      for (const v of live.values()) s += v;
      return s / live.size;
    }
    const base = this.moistureBase.get(code);
    return base === undefined ? null : base;
  }

  /**
   * Center on a plot, select it, and tell onSelect.  coverPx: how much of
   * the map's right side the detail panel hides; the plot is centered in
   * what remains.
   */
  focus(code, coverPx = 0) {
    const box = this.boxes.get(code);
    if (!box) return false;
    if (this.pendingReset !== null) {
      this.onSelect(code);
      return true;
    }
    const [w, h] = [this.extent[2] - this.extent[0], this.extent[3] - this.extent[1]];
    const zoom = Math.min(200, Math.max(1.5, Math.min(w / (box[2] - box[0]), h / (box[3] - box[1])) / 6));
    const center = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
    this.zoom = zoom;
    this.chart.setOption({ geo: { center, zoom, label: { show: this.labelsWanted() } } });
    if (coverPx > 0) {
      const a = this.chart.convertToPixel({ geoIndex: 0 }, center);
      const b = this.chart.convertToPixel({ geoIndex: 0 }, [center[0] + w / 100, center[1]]);
      const degPerPx = w / 100 / Math.max(1e-9, b[0] - a[0]);
      this.chart.setOption({ geo: { center: [center[0] + (coverPx / 2) * degPerPx, center[1]] } });
    }
    this.labels = this.labelsWanted();
    this.setSelected(code);
    this.onSelect(code);
    return true;
  }

  /** Outline one plot (null: none), whatever the layer's colors. */
  setSelected(code) {
    this.selected = this.plots.has(code) ? code : null;
    if (this.pendingReset !== null) return;
    this.chart.setOption({ series: [{ id: 'selected', data: this.selectedData() }] });
  }

  selectedData() {
    const f = this.selected && this.features.get(this.selected);
    if (!f) return [];
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    return polys.map((poly) => ({ coords: poly[0] }));
  }

  relabel() {
    this.render(false);
  }

  labelsWanted() {
    return this.zoom >= Math.max(2, Math.sqrt(this.plots.size) / 4);
  }

  onRoam(p) {
    if (this.pendingReset !== null) return;
    if (p.zoom) this.zoom *= p.zoom;
    const want = this.labelsWanted();
    if (want !== this.labels) {
      this.labels = want;
      this.chart.setOption({ geo: { label: { show: want } }, series: [{ id: 'machinery', label: { show: want } }] });
    }
  }

  scheduleRedraw() {
    if (this.redrawTimer) return;
    this.redrawTimer = setTimeout(() => this.redraw(), REDRAW_MS);
  }

  /** Recolor the plots with the layer's current values. */
  redraw() {
    clearTimeout(this.redrawTimer);
    this.redrawTimer = null;
    if (this.pendingReset !== null) return; // not drawn yet
    this.chart.setOption({ geo: { regions: this.layerRegions() }, series: [{ id: 'machinery', data: this.machineData() }] });
    this.setNotice(this.layerNotice());
  }

  dispose() {
    clearTimeout(this.redrawTimer);
    this.redrawTimer = null;
    this.sizeWatch.disconnect();
  }

  /** The plots' colors in this layer, as geo regions (by code). */
  layerRegions() {
    const codes = this.codes();
    if (this.layer === 'moisture')
      return codes.flatMap((code) => {
        const v = this.moistureOf(code);
        return v === null ? [] : [{ name: code, itemStyle: { areaColor: moistureColor(v) } }];
      });
    if (this.layer === 'crop')
      return codes.map((code) => ({ name: code, itemStyle: { areaColor: this.cropColor(this.plots.get(code).crop) } }));
    if (this.layer === 'growth')
      return codes.flatMap((code) => {
        const v = this.ndvi.get(code);
        return v === undefined || v === null ? [] : [{ name: code, itemStyle: { areaColor: scaleColor(NDVI_COLORS, NDVI_RANGE, v) } }];
      });
    if (this.layer === 'irrigation' && this.plan)
      return codes.flatMap((code) => {
        const due = this.plan.get(code);
        if (due) return [{ name: code, itemStyle: { areaColor: scaleColor(URGENCY_COLORS, URGENCY_RANGE, due.urgency) } }];
        return this.unplanned.has(code) ? [] : [{ name: code, itemStyle: { areaColor: NOT_DUE } }];
      });
    if (this.layer === 'alerts')
      return codes.flatMap((code) => {
        const sev = this.worst.get(code);
        return sev ? [{ name: code, itemStyle: { areaColor: SEVERITY_COLORS[sev] || SEVERITY_COLORS.warning } }] : [];
      });
    return [];
  }

  cropColor(crop) {
    return CROP_COLORS[this.crops.indexOf(crop || 'unknown') % CROP_COLORS.length];
  }

  /** The legend below the map: a scale, categories, or nothing. */
  showLegend() {
    const box = this.container.parentElement.querySelector('.map-legend');
    if (this.layer === 'moisture') {
      box.replaceChildren(
        el('span', { class: 'legend-end', text: t('legend.dry') }),
        el('span', { class: 'legend-scale', style: `background: linear-gradient(90deg, ${MOISTURE_COLORS.join(', ')})` }),
        el('span', { class: 'legend-end', text: `${t('legend.wet')} (${MOISTURE_RANGE[0]}–${MOISTURE_RANGE[1]} %vol)` }),
        el('span', { class: 'legend-item' }, el('i', { style: `background: ${NEUTRAL}` }), t('legend.no_data')));
    } else if (this.layer === 'crop') {
      box.replaceChildren(...this.crops.map((c) => el('span', { class: 'legend-item', dataset: { crop: c } },
        el('i', { style: `background: ${this.cropColor(c)}` }), label('crop', c))));
    } else if (this.layer === 'growth') {
      box.replaceChildren(
        el('span', { class: 'legend-end', text: `NDVI ${NDVI_RANGE[0]}` }),
        el('span', { class: 'legend-scale', style: `background: linear-gradient(90deg, ${NDVI_COLORS.join(', ')})` }),
        el('span', { class: 'legend-end', text: String(NDVI_RANGE[1]) }),
        el('span', { class: 'legend-item' }, el('i', { style: `background: ${NEUTRAL}` }), t('legend.no_data')));
    } else if (this.layer === 'irrigation') {
      box.replaceChildren(
        el('span', { class: 'legend-end', text: t('legend.due_soon') }),
        el('span', { class: 'legend-scale', style: `background: linear-gradient(90deg, ${URGENCY_COLORS.join(', ')})` }),
        el('span', { class: 'legend-end', text: t('legend.due_urgent') }),
        el('span', { class: 'legend-item' }, el('i', { style: `background: ${NOT_DUE}` }), t('legend.not_due')),
        el('span', { class: 'legend-item' }, el('i', { style: `background: ${NEUTRAL}` }), t('legend.no_balance')));
    } else if (this.layer === 'alerts') {
      box.replaceChildren(
        ...['critical', 'warning', 'info'].map((sev) => el('span', { class: 'legend-item', dataset: { severity: sev } },
          el('i', { style: `background: ${SEVERITY_COLORS[sev]}` }), label('severity', sev))),
        el('span', { class: 'legend-item' }, el('i', { style: `background: ${NEUTRAL}` }), t('legend.no_alert')));
    } else {
      box.replaceChildren();
    }
  }

  tooltip(p) {
    if (p.seriesId === 'machinery') return this.machineTooltip(p.name);
    if (p.seriesId === 'cameras') return cameraTooltip(p.data.camera);
    const props = this.plots.get(p.name);
    if (!props) return '';
    const lines = [`<b>${escapeHtml(props.code)}</b>`];
    if (props.name) lines.push(escapeHtml(props.name));
    lines.push(`${escapeHtml(label('crop', props.crop))} · ${num(props.area_mu, 1)} ${t('unit.mu')}`);
    if (this.layer === 'moisture') {
      const m = this.moistureOf(props.code);
      lines.push(`${t('layer.moisture')}: ${m === null ? t('legend.no_data') : num(m, 1) + ' %vol'}`);
    } else if (this.layer === 'growth') {
      const v = this.ndvi.get(props.code);
      lines.push(v === undefined ? `NDVI: ${t('legend.no_data')}`
        : `NDVI: ${num(v, 2)} (${escapeHtml(label('source_kind', this.ndviKind.get(props.code)))})`);
    } else if (this.layer === 'irrigation' && this.plan) {
      const due = this.plan.get(props.code);
      lines.push(due ? t('map.due_tip', { dr: num(due.depletion, 1), raw: num(due.raw, 1), m3: num(due.volume_m3, 0) })
        : t(this.unplanned.has(props.code) ? 'legend.no_balance' : 'legend.not_due'));
    } else if (this.layer === 'alerts') {
      const sev = this.worst.get(props.code);
      lines.push(`${t('layer.alerts')}: ${sev ? escapeHtml(label('severity', sev)) : t('legend.no_alert')}`);
    }
    return lines.join('<br>');
  }

  basemapSeries() {
    const b = this.basemap;
    return {
      id: 'basemap', type: 'custom', coordinateSystem: 'geo', geoIndex: 0, silent: true, z: -10,
      data: b ? [0] : [],
      renderItem: (params, api) => {
        const tl = api.coord([b.bbox[0], b.bbox[3]]);
        const br = api.coord([b.bbox[2], b.bbox[1]]);
        return {
          type: 'image',
          style: { image: b.image, x: tl[0], y: tl[1], width: br[0] - tl[0], height: br[1] - tl[1], opacity: b.opacity ?? 0.8 },
        };
      },
    };
  }

  hasSize() {
    return this.container.clientWidth > 0 && this.container.clientHeight > 0;
  }

  render(reset) {
    clearTimeout(this.redrawTimer);
    this.redrawTimer = null;
    if (!this.hasSize()) {
      this.pendingReset = this.pendingReset || reset;
      return;
    }
    this.pendingReset = null;
    // the chart learns its size from a ResizeObserver, which may not have
    // run yet since the box was shown: a map laid out at size 0 fails
    if (this.chart.getWidth() !== this.container.clientWidth || this.chart.getHeight() !== this.container.clientHeight)
      this.chart.resize();
    this.container.dataset.layer = this.layer;
    this.container.dataset.plots = String(this.plots.size);
    if (!this.plots.size) {
      this.chart.clear();
      this.setNotice(t('map.no_plots'));
      return;
    }
    const midLat = (this.extent[1] + this.extent[3]) / 2;
    const geo = {
      map: MAP_NAME, nameProperty: 'code', roam: true, selectedMode: false,
      aspectScale: Math.cos((midLat * Math.PI) / 180),
      layoutCenter: ['50%', '50%'], layoutSize: '94%',
      scaleLimit: { min: 0.8, max: 400 },
      itemStyle: { areaColor: this.basemap ? 'rgba(23,50,79,0.35)' : NEUTRAL, borderColor: 'rgba(120, 200, 255, 0.55)', borderWidth: 0.6 },
      // no label on hover: the tooltip names the plot, and 5,000 labels cost a first paint
      emphasis: { itemStyle: { areaColor: '#2fd6ff' }, label: { show: false } },
      label: { show: this.labels, color: '#e6f2ff', fontSize: 11, textBorderColor: '#041220', textBorderWidth: 2 },
      tooltip: { show: true },
      regions: this.layerRegions(),
    };
    if (reset) Object.assign(geo, { zoom: 1, center: [(this.extent[0] + this.extent[2]) / 2, midLat] });
    this.chart.setOption({
      animation: false, // thousands of shapes: draw them at once
      tooltip: { trigger: 'item', formatter: (p) => this.tooltip(p), confine: true },
      geo,
      series: [...(this.basemap ? [this.basemapSeries()] : []),
        {
          id: 'machinery', type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, z: 6, symbolSize: 16,
          itemStyle: { borderColor: '#041220', borderWidth: 1, shadowColor: 'rgba(255, 201, 77, 0.8)', shadowBlur: 8 },
          label: { show: this.labels, position: 'right', formatter: '{b}', color: '#ffe9a8', fontSize: 11 },
          data: this.machineData(),
        },
        {
          id: 'cameras', type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, z: 7, symbolSize: 11,
          symbol: 'roundRect', itemStyle: { borderColor: '#041220', borderWidth: 1 },
          data: this.cameraData(),
        },
        {
          id: 'selected', type: 'lines', coordinateSystem: 'geo', geoIndex: 0, polyline: true, silent: true, z: 5,
          lineStyle: { color: '#ffe27a', width: 3, opacity: 1, shadowColor: '#ffe27a', shadowBlur: 12 },
          data: this.selectedData(),
        }],
    }, { replaceMerge: ['series'] });
    this.showLegend();
    this.setNotice(this.layerNotice());
  }

  /** The layer's empty state, or '' when it has something to show. */
  layerNotice() {
    const codes = this.codes();
    let any = true;
    if (this.layer === 'moisture') any = codes.some((c) => this.moistureOf(c) !== null);
    else if (this.layer === 'growth') any = codes.some((c) => this.ndvi.has(c));
    else if (this.layer === 'irrigation') any = this.plan !== null;
    else if (this.layer === 'alerts')
      return !this.alertsKnown ? t('layer.empty.alerts') : this.worst.size ? '' : t('layer.none.alerts');
    return any ? '' : t('layer.empty.' + this.layer);
  }

  setNotice(text) {
    const notice = this.container.parentElement.querySelector('.map-notice');
    notice.hidden = !text;
    notice.textContent = text || '';
  }
}

/** A camera's state on the map: streaming, idle (nobody watches), offline. */
const CAMERA_COLORS = { streaming: '#3ee07a', idle: '#6fb6ff', offline: '#ff5a4f' };

function cameraTooltip(c) {
  const state = t('video.state.' + c.state);
  return `<b>${escapeHtml(c.name || c.id)}</b><br>${escapeHtml(t('kind.camera'))} · ${escapeHtml(state)}` +
    (c.error ? `<br>${escapeHtml(c.error)}` : '');
}

/** The layer buttons; onPick(id) when one is chosen. */
export function layerButtons(container, current, onPick) {
  container.replaceChildren(...LAYERS.map((id) => el('button', {
    type: 'button', role: 'radio', class: 'chip layer',
    'aria-checked': String(id === current), dataset: { layer: id },
    text: t('layer.' + id),
    onclick: () => onPick(id),
  })));
}

function bboxOf(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      if (c[0] < box[0]) box[0] = c[0];
      if (c[1] < box[1]) box[1] = c[1];
      if (c[0] > box[2]) box[2] = c[0];
      if (c[1] > box[3]) box[3] = c[1];
      return;
    }
    for (const x of c) walk(x);
  };
  walk(geometry.coordinates);
  return box;
}

function unionBox(boxes) {
  const u = [Infinity, Infinity, -Infinity, -Infinity];
  for (const b of boxes) {
    u[0] = Math.min(u[0], b[0]); u[1] = Math.min(u[1], b[1]);
    u[2] = Math.max(u[2], b[2]); u[3] = Math.max(u[3], b[3]);
  }
  return u;
}

/** The moisture scale's color of v (%vol), interpolated between stops. */
export function moistureColor(v) {
  return scaleColor(MOISTURE_COLORS, MOISTURE_RANGE, v);
}

/** The color of v on a scale of stops over [lo, hi], interpolated; clamped at the ends. */
export function scaleColor(stops, [lo, hi], v) {
  const x = Math.min(1, Math.max(0, (v - lo) / (hi - lo))) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const a = hex(stops[i]), b = hex(stops[i + 1]), f = x - i;
  const mix = (k) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

function hex(color) {
  const n = parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
