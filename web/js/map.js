// The map of the base: every plot drawn from its geometry (an ECharts
// GeoJSON map registered from GET /api/v1/plots; no tile server), colored
// by the chosen layer (soil moisture, crop, NDVI growth, today's
// irrigation need, active alerts), labelled with plot codes when zoomed in, searchable
// by code, and clickable to open a plot's detail; tractors and drones on
// top, where they last reported, with the trail of their last hour (a
// drone's flight path).  Under the plots, the base's own newest imagery:
// XYZ tiles of GET /api/v1/basemap (switchable with "none"; or a fixed image
// from config.json).  A north arrow and a scale bar over the map; canals,
// roads and shelterbelts when a GeoJSON of them is given (setLandscape).

import { alertPlots } from './alert_text.js';
import { echarts } from './charts.js';
import { t } from './i18n.js';
import { num, label } from './format.js';
import { el, escapeHtml } from './dom.js';
import { cropColor } from './crops.js';

const MAP_NAME = 'oasis-plots';
const NEUTRAL = '#17324f';
const MOISTURE_RANGE = [10, 40]; // %vol: dry sandy soil to a wet clay loam
const MOISTURE_COLORS = ['#9a4a16', '#d9903b', '#e8dc7a', '#4cc9c0', '#2a7de1', '#2444b8'];
// the layers' colours over imagery: see-through, so the fields show
const OVER_IMAGERY_ALPHA = 0.55;
const TRAIL_MS = 3600e3;       // a machine's trail: its last hour
const LABEL_FONT_PX = 16;      // plot codes, legible from across the room,
const LABEL_MIN_PX = 14;       // and never smaller
const LANDSCAPE_STYLE = {
  canal: { color: '#3fa9ff', width: 3 },
  road: { color: '#c9c2b0', width: 2.5 },
  shelterbelt: { color: '#2e8b57', width: 4 },
};
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
    this.imagery = null;           // GET /api/v1/basemap, or null
    this.imageryOn = readBasemapChoice() !== 'none';
    this.trails = new Map();       // device -> [[lon, lat, ts], ...] of the last hour
    this.landscape = null;         // canals, roads, shelterbelts: a FeatureCollection
    this.userRoamed = false;       // the operator moved the map: keep the view
    this.plotSize = [0, 0];        // the median plot's width and height, degrees
    this.shortLen = 4;             // the plot codes' shortest unique tail
    this.labelSize = LABEL_FONT_PX;
    this.roamFrame = 0;
    this.redrawTimer = null;
    this.firstPaint = null;
    this.chart.on('click', (p) => {
      if (p.componentType === 'geo' && this.plots.has(p.name)) this.onSelect(p.name);
      // a camera opens its plot, whose detail plays it
      if (p.seriesId === 'cameras' && p.data?.plot && this.plots.has(p.data.plot)) this.onSelect(p.data.plot);
    });
    this.chart.on('georoam', (p) => {
      this.userRoamed = true;
      this.onRoam(p);
    });
    this.firstPaintDone = new Promise((resolve) => { this.firstPaint = resolve; });
    // ECharts cannot lay a map out in a box of no size: wait for one
    this.pendingReset = null;
    this.sizeWatch = new ResizeObserver(() => {
      if (this.pendingReset !== null && this.hasSize()) this.render(this.pendingReset);
      else if (this.plots.size) this.showOverlays(); // the toolbar or the foot wrapped
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
    this.plotSize = medianSize([...this.boxes.values()]);
    this.shortLen = uniqueTail([...this.plots.keys()]);
    this.userRoamed = false;
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
    if (this.plots.size && !this.reframe()) this.redraw();
  }

  /**
   * Each machine's fixes of the last hour (GET /api/v1/machines/ID/track?
   * from=-1h): device -> [[lon, lat, ts], ...], oldest first.
   */
  setTrails(trails) {
    this.trails = new Map(Object.entries(trails || {}));
    if (this.plots.size && !this.reframe()) this.redraw();
  }

  /** Add a live fix to a machine's trail and forget what is older than an hour. */
  extendTrail(device, m) {
    if (m.lon === null || m.lat === null) return;
    let tr = this.trails.get(device);
    if (!tr) this.trails.set(device, (tr = []));
    const last = tr[tr.length - 1];
    if (last && last[2] === m.ts) tr[tr.length - 1] = [m.lon, m.lat, m.ts];
    else tr.push([m.lon, m.lat, m.ts]);
    let cut = 0;
    while (cut < tr.length && tr[cut][2] < m.ts - TRAIL_MS) cut++;
    if (cut) tr.splice(0, cut);
  }

  trailData() {
    const out = [];
    for (const [device, tr] of this.trails) {
      if (tr.length < 2) continue;
      const drone = (this.machines.get(device)?.kind || this.machineInfo.get(device)?.kind) === 'drone';
      out.push({
        name: device, coords: tr.map((p) => [p[0], p[1]]),
        lineStyle: drone ? { color: '#2fd6ff', width: 2, type: 'dashed', opacity: 0.95 }
          : { color: '#ffc94d', width: 3, type: 'solid', opacity: 0.85 },
      });
    }
    return out;
  }

  /** Canals, roads and shelterbelts (LineStrings or Polygons with a property `kind`). */
  setLandscape(fc) {
    this.landscape = fc && Array.isArray(fc.features) ? fc : null;
    if (this.plots.size && this.pendingReset === null) this.render(false);
  }

  landscapeData() {
    const out = [];
    for (const f of this.landscape?.features || []) {
      const g = f.geometry || {};
      const style = LANDSCAPE_STYLE[f.properties?.kind] || LANDSCAPE_STYLE.road;
      const lines = g.type === 'LineString' ? [g.coordinates]
        : g.type === 'MultiLineString' || g.type === 'Polygon' ? g.coordinates
          : g.type === 'MultiPolygon' ? g.coordinates.flat() : [];
      for (const coords of lines) out.push({ coords, lineStyle: { ...style, opacity: 0.9 } });
    }
    return out;
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
    if (field === 'lon' || field === 'lat') this.extendTrail(device, m);
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

  /** CSS pixels per degree of longitude and of latitude at the view's centre (null before layout). */
  pxPerDegree() {
    const c = this.extent && [(this.extent[0] + this.extent[2]) / 2, (this.extent[1] + this.extent[3]) / 2];
    const a = c && this.chart.convertToPixel({ geoIndex: 0 }, c);
    const b = a && this.chart.convertToPixel({ geoIndex: 0 }, [c[0] + 0.01, c[1] + 0.01]);
    if (!a || !b) return null;
    return [Math.abs(b[0] - a[0]) / 0.01, Math.abs(b[1] - a[1]) / 0.01];
  }

  /** Codes show once the median plot is wide and tall enough for a short one. */
  labelsWanted() {
    const px = this.pxPerDegree();
    if (!px) return false;
    return this.plotSize[0] * px[0] >= (0.62 * this.shortLen + 0.4) * LABEL_MIN_PX &&
      this.plotSize[1] * px[1] >= 1.4 * LABEL_MIN_PX;
  }

  /** Show or hide the codes, at their size, when either changed (a roam, a layout). */
  updateLabels() {
    const want = this.labelsWanted(), size = want ? this.labelFont() : this.labelSize;
    if (want === this.labels && size === this.labelSize) return;
    this.labels = want;
    this.labelSize = size;
    this.chart.setOption({ geo: { label: { show: want, fontSize: size } }, series: [{ id: 'machinery', label: { show: want } }] });
  }

  /** The labels' size: 16 px where the median plot has room, 14 at least. */
  labelFont() {
    const px = this.pxPerDegree();
    if (!px) return LABEL_FONT_PX;
    const fit = (this.plotSize[0] * px[0]) / (0.62 * this.shortLen + 0.4);
    return Math.max(LABEL_MIN_PX, Math.min(LABEL_FONT_PX, Math.floor(fit)));
  }

  /**
   * A plot's label: its whole code where the plot is wide enough, else the
   * code's shortest tail that no other plot shares (township and plot number).
   */
  labelText(code) {
    const box = this.boxes.get(code), px = this.pxPerDegree();
    if (!box || !px) return code;
    const width = (box[2] - box[0]) * px[0];
    return width >= 0.62 * this.labelFont() * code.length + 8 ? code : code.slice(-this.shortLen);
  }

  onRoam(p) {
    if (this.pendingReset !== null) return;
    if (p.zoom) this.zoom *= p.zoom;
    this.updateLabels();
    // the tiles and the scale follow the view, once a frame
    if (!this.roamFrame)
      this.roamFrame = requestAnimationFrame(() => {
        this.roamFrame = 0;
        if (this.imagery && this.imageryOn) this.chart.setOption({ series: [{ id: 'basemap', data: this.tileData() }] });
        this.showOverlays();
      });
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
    this.chart.setOption({ geo: { regions: this.layerRegions() }, series: [{ id: 'machinery', data: this.machineData() },
      { id: 'trails', data: this.trailData() }] });
    this.setNotice(this.layerNotice());
  }

  dispose() {
    clearTimeout(this.redrawTimer);
    this.redrawTimer = null;
    if (this.roamFrame) cancelAnimationFrame(this.roamFrame);
    this.sizeWatch.disconnect();
  }

  /** The plots' colors in this layer, see-through over imagery. */
  layerRegions() {
    const regions = this.layerColors();
    if (!this.showsImagery()) return regions;
    for (const r of regions) r.itemStyle.areaColor = withAlpha(r.itemStyle.areaColor, OVER_IMAGERY_ALPHA);
    return regions;
  }

  layerColors() {
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
    return cropColor(crop);
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

  /** The basemap from GET /api/v1/basemap ({generation: null}: none yet). */
  setImagery(info) {
    this.imagery = info && info.generation && info.layers && info.layers.length ? info : null;
    this.container.dataset.basemap = this.imagery ? this.imagery.generation : '';
    if (this.plots.size && this.pendingReset === null) this.render(false);
  }

  /** Imagery under the plots or none ("none"), remembered by this browser. */
  setImageryOn(on) {
    this.imageryOn = !!on;
    writeBasemapChoice(on ? 'imagery' : 'none');
    if (this.plots.size && this.pendingReset === null) this.render(false);
  }

  showsImagery() {
    return this.imageryOn && !!(this.imagery || this.basemap);
  }

  /** The tiles of the view at the zoom whose pixels are the screen's. */
  tileData() {
    const b = this.imagery;
    if (!b || !this.imageryOn) return [];
    const w = this.chart.getWidth(), h = this.chart.getHeight();
    const tl = this.chart.convertFromPixel({ geoIndex: 0 }, [0, 0]);
    const br = this.chart.convertFromPixel({ geoIndex: 0 }, [w, h]);
    if (!tl || !br || !(br[0] > tl[0])) return [];
    const degPerPx = (br[0] - tl[0]) / w;
    const z = Math.max(b.minzoom - 2, Math.min(b.overzoom ?? b.maxzoom, Math.round(Math.log2(360 / (256 * degPerPx)))));
    const west = Math.max(tl[0], b.bounds[0]), east = Math.min(br[0], b.bounds[2]);
    const north = Math.min(tl[1], b.bounds[3]), south = Math.max(br[1], b.bounds[1]);
    if (!(west < east && south < north)) return [];
    const [x0, y0] = tileOf(west, north, z), [x1, y1] = tileOf(east, south, z);
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 600) return []; // never a wall of requests
    const out = [];
    // the first two values place an item on the geo: the tile's centre
    for (let x = x0; x <= x1; x++)
      for (let y = y0; y <= y1; y++) out.push([tileLon(x + 0.5, z), tileLat(y + 0.5, z), z, x, y]);
    return out;
  }

  tileSeries() {
    const b = this.imagery;
    const url = ([z, x, y]) => b.layers[0].tiles.replace('{z}', z).replace('{x}', x).replace('{y}', y);
    return {
      id: 'basemap', type: 'custom', coordinateSystem: 'geo', geoIndex: 0, silent: true, z: -10,
      data: this.tileData(),
      renderItem: (params, api) => {
        const t = [api.value(2), api.value(3), api.value(4)];
        const tl = api.coord([tileLon(t[1], t[0]), tileLat(t[2], t[0])]);
        const br = api.coord([tileLon(t[1] + 1, t[0]), tileLat(t[2] + 1, t[0])]);
        return {
          type: 'image',
          style: { image: url(t), x: tl[0], y: tl[1], width: br[0] - tl[0], height: br[1] - tl[1] },
        };
      },
    };
  }

  basemapSeries() {
    if (this.imagery) return this.tileSeries();
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
      itemStyle: { areaColor: this.showsImagery() ? 'rgba(23,50,79,0.12)' : NEUTRAL,
        borderColor: this.showsImagery() ? 'rgba(200, 240, 255, 0.85)' : 'rgba(120, 200, 255, 0.55)', borderWidth: this.showsImagery() ? 1 : 0.6 },
      // no label on hover: the tooltip names the plot, and 5,000 labels cost a first paint
      emphasis: { itemStyle: { areaColor: '#2fd6ff' }, label: { show: false } },
      label: { show: this.labels, color: '#ffffff', fontSize: this.labelSize, fontWeight: 600,
        textBorderColor: '#041220', textBorderWidth: 3, formatter: (p) => this.labelText(p.name) },
      tooltip: { show: true },
      regions: this.layerRegions(),
    };
    if (reset) Object.assign(geo, this.frameView());
    this.chart.setOption({
      animation: false, // thousands of shapes: draw them at once
      tooltip: { trigger: 'item', formatter: (p) => this.tooltip(p), confine: true },
      geo,
      series: [...(this.showsImagery() ? [this.basemapSeries()] : []),
        {
          id: 'landscape', type: 'lines', coordinateSystem: 'geo', geoIndex: 0, polyline: true, silent: true, z: 3,
          data: this.landscapeData(),
        },
        {
          id: 'trails', type: 'lines', coordinateSystem: 'geo', geoIndex: 0, polyline: true, silent: true, z: 4,
          data: this.trailData(),
        },
        {
          id: 'machinery', type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, z: 6, symbolSize: 16,
          itemStyle: { borderColor: '#041220', borderWidth: 1, shadowColor: 'rgba(255, 201, 77, 0.8)', shadowBlur: 8 },
          label: { show: this.labels, position: 'right', formatter: '{b}', color: '#ffe9a8', fontSize: LABEL_FONT_PX,
            textBorderColor: '#041220', textBorderWidth: 3 },
          data: this.machineData(),
        },
        {
          id: 'cameras', type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, z: 7, symbolSize: 11,
          symbol: 'roundRect', symbolOffset: [0, LABEL_FONT_PX], itemStyle: { borderColor: '#041220', borderWidth: 1 },
          data: this.cameraData(),
        },
        {
          id: 'selected', type: 'lines', coordinateSystem: 'geo', geoIndex: 0, polyline: true, silent: true, z: 5,
          lineStyle: { color: '#ffe27a', width: 3, opacity: 1, shadowColor: '#ffe27a', shadowBlur: 12 },
          data: this.selectedData(),
        }],
    }, { replaceMerge: ['series'] });
    // the labels depend on the layout just made
    this.updateLabels();
    if (this.imagery && this.imageryOn) this.chart.setOption({ series: [{ id: 'basemap', data: this.tileData() }] });
    this.showLegend();
    this.showOverlays();
    this.setNotice(this.layerNotice());
  }

  /** What the view frames: the plots, every machine and its trail. */
  frame() {
    const boxes = [this.extent];
    for (const m of this.machines.values())
      if (m.lon !== null && m.lat !== null) boxes.push([m.lon, m.lat, m.lon, m.lat]);
    for (const tr of this.trails.values())
      for (const p of tr) boxes.push([p[0], p[1], p[0], p[1]]);
    return unionBox(boxes);
  }

  /** The geo's center and zoom that hold frame() (zoom 1 holds the plots). */
  frameView() {
    const f = this.frame(), e = this.extent;
    // a machine at the edge keeps room for its symbol and name
    const fits = Math.min((e[2] - e[0]) / Math.max(1e-9, f[2] - f[0]), (e[3] - e[1]) / Math.max(1e-9, f[3] - f[1]));
    const zoom = fits < 1 ? fits * 0.9 : 1;
    this.zoom = zoom;
    return { zoom, center: [(f[0] + f[2]) / 2, (f[1] + f[3]) / 2] };
  }

  /** Frame again when a machine left the view and the operator has not moved it; true when done. */
  reframe() {
    if (this.userRoamed || this.pendingReset !== null || !this.extent) return false;
    const w = this.chart.getWidth(), h = this.chart.getHeight();
    const f = this.frame();
    const a = this.chart.convertToPixel({ geoIndex: 0 }, [f[0], f[3]]);
    const b = this.chart.convertToPixel({ geoIndex: 0 }, [f[2], f[1]]);
    if (a && b && a[0] >= 0 && a[1] >= 0 && b[0] <= w && b[1] <= h) return false;
    this.render(true);
    return true;
  }

  /** The north arrow and the scale bar over the map. */
  showOverlays() {
    const panel = this.container.parentElement;
    const scale = panel.querySelector('.map-scale');
    const north = panel.querySelector('.map-north');
    if (!scale || !north) return;
    // over the map's own box, whatever the toolbar and the foot wrap to
    const top = `${this.container.offsetTop + 10}px`;
    north.style.top = scale.style.top = top;
    const legend = panel.querySelector('.map-legend');
    if (legend) legend.style.bottom = `${panel.clientHeight - this.container.offsetTop - this.container.offsetHeight + 8}px`;
    const px = this.pxPerDegree();
    north.hidden = scale.hidden = !px || !this.plots.size;
    if (!px) return;
    north.title = t('map.north');
    const lat = (this.extent[1] + this.extent[3]) / 2;
    const mPerPx = (111320 * Math.cos((lat * Math.PI) / 180)) / px[0];
    const [metres, text] = niceLength(mPerPx * 140);
    scale.querySelector('.map-scale-bar').style.width = `${Math.round(metres / mPerPx)}px`;
    scale.querySelector('.map-scale-text').textContent = text;
    scale.dataset.metres = String(metres);
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

/** The tile (x, y) at zoom z holding (lon, lat). */
function tileOf(lon, lat, z) {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const y = Math.floor(((1 - Math.asinh(Math.tan((lat * Math.PI) / 180)) / Math.PI) / 2) * n);
  return [Math.max(0, Math.min(n - 1, x)), Math.max(0, Math.min(n - 1, y))];
}

function tileLon(x, z) {
  return (x / 2 ** z) * 360 - 180;
}

function tileLat(y, z) {
  return (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / 2 ** z))) * 180) / Math.PI;
}

/** A round length of at most m metres: [metres, its text]. */
function niceLength(m) {
  const p = 10 ** Math.floor(Math.log10(m));
  const n = [5, 2, 1].map((k) => k * p).find((v) => v <= m) || p;
  return [n, n >= 1000 ? `${n / 1000} km` : `${n} m`];
}

function medianSize(boxes) {
  const mid = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)] || 0;
  return [mid(boxes.map((b) => b[2] - b[0])), mid(boxes.map((b) => b[3] - b[1]))];
}

/** color ('#rrggbb' or 'rgb(r, g, b)') with alpha a. */
function withAlpha(color, a) {
  if (color.startsWith('#')) {
    const [r, g, b] = hex(color);
    return `rgba(${r}, ${g}, ${b}, ${a})`;
  }
  const m = color.match(/^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${a})` : color;
}

const BASEMAP_KEY = 'oasis.basemap';

function readBasemapChoice() {
  try {
    return localStorage.getItem(BASEMAP_KEY) || 'imagery';
  } catch {
    return 'imagery';
  }
}

function writeBasemapChoice(v) {
  try {
    localStorage.setItem(BASEMAP_KEY, v);
  } catch {
    /* a kiosk without storage: the choice lasts the page */
  }
}

/** The basemap switch (imagery or none); onPick(on) when one is chosen. */
export function basemapButtons(container, on, onPick) {
  container.replaceChildren(...[['imagery', true], ['none', false]].map(([id, value]) => el('button', {
    type: 'button', role: 'radio', class: 'chip basemap-choice',
    'aria-checked': String(value === on), dataset: { basemap: id },
    text: t('map.basemap.' + id),
    onclick: () => onPick(value),
  })));
}

/** The fewest last characters (at least 4) that tell every code apart. */
function uniqueTail(codes) {
  const longest = Math.max(4, ...codes.map((c) => c.length));
  for (let n = 4; n < longest; n++)
    if (new Set(codes.map((c) => c.slice(-n))).size === codes.length) return n;
  return longest;
}
