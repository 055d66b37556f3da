// The big screen once signed in: it loads the overview and the plots,
// follows the live stream, refreshes the overview now and then, keeps the
// active alerts current, and wires the map, the plot detail and the live
// feed together.  stop() undoes
// everything start() did (timers, listeners, charts, the stream), so that
// signing out and in again leaves nothing behind.

import { api } from './api.js';
import { t, onLangChange, currentLang } from './i18n.js';
import { whoAmI, isKiosk } from './auth.js';
import { ChartSet } from './charts.js';
import { OverviewPanels } from './overview.js';
import { PlotMap, layerButtons, basemapButtons } from './map.js';
import { PlotDetail } from './detail.js';
import { LiveFeed } from './feed.js';
import { LiveStream } from './live.js';
import { ActiveAlerts } from './alerts.js';
import { clockTime, label, muArea, setSiteZone } from './format.js';
import { el } from './dom.js';
import { VideoWall } from './video.js';
import { PvPark } from './pvpark.js';

const PLAN_DELAY_MS = 15 * 1000;
const SUGGESTIONS = 20;
const PLAN_REFRESH_MS = 10 * 60 * 1000;
const ALERTS_LIMIT = 1000;
const ANOMALY_SETTLE_MS = 2000;
const SITE_KEY = 'oasis.site';
const MAX_TRAILS = 40;            // machines whose last hour the map draws
const RECENT_MS = 10 * 60 * 1000; // the feed starts with these last minutes

export class Screen {
  /**
   * root: main#screen; me: {name, role}; config: config.json's settings;
   * onSignedOut(message): the session ended (signed out or expired).
   */
  constructor(root, me, config, onSignedOut) {
    this.root = root;
    this.me = me;
    this.config = config;
    this.onSignedOut = onSignedOut;
    this.listeners = new AbortController();
    this.timers = [];
    this.charts = new ChartSet();
    this.overview = new OverviewPanels(root, this.charts, { onPickPlot: (code) => this.openPlot(code) });
    this.active = new ActiveAlerts();
    this.anomalyTimer = null;
    this.alertsLoaded = false;
    this.detail = new PlotDetail(root.querySelector('#detail'), this.charts, {
      me, signal: this.listeners.signal, onClose: () => this.map.setSelected(null),
    });
    this.map = new PlotMap(root.querySelector('#map'), this.charts, {
      onSelect: (code) => {
        this.map.setSelected(code);
        this.detail.open(code);
      },
      basemap: config.basemap || null,
    });
    this.feed = new LiveFeed(root.querySelector('#p-feed'));
    this.wall = new VideoWall(root.querySelector('#p-video'), (cams) => this.map.setCameras(cams),
      { kiosk: isKiosk() });
    this.live = new LiveStream('/api/v1/stream', { check: () => this.stillSignedIn() });
    this.pv = new PvPark(root, this.charts);
    this.sites = [];
    this.unsubscribeLang = onLangChange(() => this.relabel());
  }

  /** preloaded: a promise of {overview, plots} fetched early, or null. */
  async start(preloaded = null) {
    this.root.hidden = false;
    this.wireControls();
    this.tickClock();
    this.timers.push(setInterval(() => this.tickClock(), 1000));
    this.live.onState((state) => this.showLiveState(state));
    this.live.on('point', (p) => this.onPoint(p));
    this.live.on('command', (cmd) => this.detail.onCommand(cmd));
    this.live.on('alert', (a) => this.onAlert(a));
    this.live.on('anomaly', () => this.onAnomaly());
    this.live.on('gap', () => this.refreshOverview());
    // a stream resumed on another node of a cluster: its ids mean nothing here
    this.live.on('resync', () => this.refreshOverview());
    this.live.start();
    const early = preloaded && (await preloaded);
    const [overview, plots] = early ? [early.overview, early.plots]
      : await Promise.all([api('/overview'), api('/plots')]);
    performance.mark('oasis:data');
    this.overview.render(overview);
    this.showSite(overview);
    this.map.setPlots(plots);
    performance.mark('oasis:map-set');
    this.showOnMap(overview);
    this.map.setAlerts(overview.alerts.available ? overview.alerts.items : null);
    await this.map.firstPaintDone;
    performance.mark('oasis:first-meaningful-paint');
    this.root.dataset.ready = 'true';
    this.loadAlerts();
    this.loadMachines();
    this.loadSites();
    this.loadImagery();
    this.loadLandscape();
    this.loadRecentPoints();
    this.wall.start();
    const every = Math.max(10, this.config.overview_refresh_s || 60) * 1000;
    this.timers.push(setInterval(() => this.refreshOverview(), every));
    // the plan is computed plot by plot on the server: not while loading
    this.timers.push(setTimeout(() => this.refreshPlan(), PLAN_DELAY_MS));
    this.timers.push(setInterval(() => this.refreshPlan(), PLAN_REFRESH_MS));
  }

  stop() {
    this.listeners.abort();
    this.timers.forEach((id) => { clearInterval(id); clearTimeout(id); });
    this.timers = [];
    clearTimeout(this.anomalyTimer);
    this.anomalyTimer = null;
    this.unsubscribeLang();
    this.live.stop();
    this.wall.stop();
    this.pv.dispose();
    this.root.querySelector('.site-switch')?.remove();
    const subtitle = this.root.querySelector('.brand [data-i18n="pv.subtitle"]');
    if (subtitle) {
      subtitle.dataset.i18n = 'app.subtitle';
      subtitle.textContent = t('app.subtitle');
    }
    this.detail.close();
    this.map.dispose();
    this.feed.dispose();
    this.charts.dispose();
    this.root.hidden = true;
    delete this.root.dataset.ready;
  }

  async stillSignedIn() {
    const me = await whoAmI();
    if (!me) this.onSignedOut(t('login.expired'));
    return !!me;
  }

  wireControls() {
    const on = (node, type, fn) => node.addEventListener(type, fn, { signal: this.listeners.signal });
    on(this.root.querySelector('.logout'), 'click', () => this.onSignedOut(''));
    on(this.root.querySelector('.map-search input'), 'input', (ev) => this.suggest(ev.target.value));
    on(this.root.querySelector('.map-search'), 'submit', (ev) => {
      ev.preventDefault();
      this.search(new FormData(ev.target).get('code'));
    });
    on(document, 'keydown', (ev) => {
      if (ev.key === 'Escape' && this.detail.isOpen()) this.detail.close();
    });
    this.showLayers();
    this.showWho();
  }

  showLayers() {
    basemapButtons(this.root.querySelector('.basemap-switch'), this.map.imageryOn, (on) => {
      this.map.setImageryOn(on);
      this.showLayers();
    });
    layerButtons(this.root.querySelector('.layer-switch'), this.map.layer, (id) => {
      this.map.setLayer(id);
      this.showLayers();
      if (id === 'irrigation' && !this.planAsked) this.refreshPlan(); // not waiting for its timer
    });
    this.root.querySelector('[data-field="map.layer_title"]').textContent = t('layer.title.' + this.map.layer);
  }

  showWho() {
    const who = this.root.querySelector('.whoami');
    who.textContent = `${this.me.name} · ${label('role', this.me.role)}`;
    who.dataset.role = this.me.role;
  }

  /** Suggest the codes that start with what has been typed (a few, not thousands). */
  suggest(text) {
    const q = String(text || '').trim();
    const hits = [];
    if (q)
      for (const code of this.map.codes()) {
        if (code.startsWith(q)) hits.push(code);
        if (hits.length === SUGGESTIONS) break;
      }
    this.root.querySelector('#plot-codes').replaceChildren(...hits.map((code) => el('option', { value: code })));
  }

  search(text) {
    const q = String(text || '').trim();
    if (!q) return;
    const codes = this.map.codes();
    const hit = codes.includes(q) ? q : codes.filter((c) => c.startsWith(q));
    const code = typeof hit === 'string' ? hit : hit.length === 1 ? hit[0] : null;
    const input = this.root.querySelector('.map-search input');
    if (code && this.map.focus(code, this.detailCoverPx())) {
      input.setCustomValidity('');
      return;
    }
    input.setCustomValidity(t('map.not_found', { code: q }));
    input.reportValidity();
  }

  /** How much of the map the detail panel covers, in pixels. */
  detailCoverPx() {
    const map = this.root.querySelector('#map').getBoundingClientRect();
    const panel = this.root.querySelector('#detail');
    const wasHidden = panel.hidden;
    panel.hidden = false;
    const cover = Math.max(0, map.right - panel.getBoundingClientRect().left);
    panel.hidden = wasHidden;
    return Math.min(cover, map.width * 0.7);
  }

  /** Open a plot's detail, centred on the map (an alert's plot, a search). */
  openPlot(code) {
    this.map.focus(code, this.detailCoverPx());
  }

  /**
   * An `anomaly` event: a scene just flagged a plot, so there is new
   * imagery; the overview (passes, each plot's NDVI) is fetched once for
   * however many flags the scene raised.
   */
  onAnomaly() {
    if (this.anomalyTimer) return;
    this.anomalyTimer = setTimeout(() => {
      this.anomalyTimer = null;
      this.refreshOverview();
      this.detail.onImagery();
    }, ANOMALY_SETTLE_MS);
  }

  /** Machines' implements and operations, for the map's tooltips (optional). */
  async loadMachines() {
    let machines;
    try {
      machines = (await api('/machines')).machines;
      this.map.setMachineInfo(machines);
    } catch {
      return; /* a server without machinery: the tooltips say less */
    }
    // each machine's last hour: a tractor's trail, a drone's flight path
    const trails = {};
    await Promise.all(machines.slice(0, MAX_TRAILS).map(async (m) => {
      try {
        const tr = await api(`/machines/${encodeURIComponent(m.id)}/track?from=-1h`);
        trails[m.id] = tr.points.map((p) => [p[1], p[2], p[0]]);
      } catch {
        /* no trail for this one */
      }
    }));
    this.map.setTrails(trails);
  }

  /** The basemap's newest generation (a scene may have arrived). */
  async loadImagery() {
    try {
      this.map.setImagery(await api('/basemap'));
    } catch {
      this.map.setImagery(null); /* a server without a basemap */
    }
  }

  /**
   * Canals, roads and shelterbelts: a GeoJSON FeatureCollection (features
   * with a property `kind`) at config.json's `landscape`, a path below
   * /api/v1; by default the features of the base's farm site.
   */
  async loadLandscape() {
    try {
      let path = this.config.landscape;
      if (!path) { /* the base's own: its default farm site's features */
        const sites = (await api('/sites')).sites || [];
        const farm = sites.find((x) => x.kind === 'farm' && x.default) ||
          sites.find((x) => x.kind === 'farm');
        if (!farm) return;
        path = '/sites/' + encodeURIComponent(farm.code) + '/features';
      }
      this.map.setLandscape(await api(path));
    } catch {
      /* not there: the map draws the plots only */
    }
  }

  /** The feed starts with the last minutes' readings, not empty. */
  async loadRecentPoints() {
    try {
      this.feed.seed((await api('/latest?all=1')), Date.now() - RECENT_MS);
    } catch {
      /* the stream fills it */
    }
  }

  /** Every active alert (the overview lists only the newest). */
  async loadAlerts() {
    try {
      const r = await api('/alerts?state=active&limit=' + ALERTS_LIMIT);
      this.active.setAll(r.alerts);
      this.alertsLoaded = true;
      this.showAlerts(r.alerts.length >= ALERTS_LIMIT);
    } catch {
      /* a server without monitoring: the overview's section says so */
    }
  }

  /** An `alert` event: opened, repeated, escalated, acknowledged or closed. */
  onAlert(a) {
    if (!this.alertsLoaded) {
      this.loadAlerts();
      return;
    }
    if (this.active.apply(a)) this.showAlerts(false);
  }

  showAlerts(more) {
    const list = this.active.list();
    this.overview.setAlerts({ available: true, open: list.length, more, items: list });
    this.map.setAlerts(list);
    this.detail.onAlerts(this.active);
  }

  onPoint(p) {
    this.feed.push(p);
    this.detail.onPoint(p);
    if (p.plot && p.metric.startsWith('moisture_'))
      this.map.addMoisturePoint(p.plot, p.device + '/' + p.metric, p.value);
    else if (this.map.addMachinePoint(p.device, p.metric, p.value, p.ts) && !this.machineryLive)
      this.showMachineryNote({ available: true });
  }

  /** The map's note on machinery: a legend once positions come in. */
  showMachineryNote(machinery) {
    this.machineryLive = !!(machinery && machinery.available);
    const note = this.root.querySelector('.machinery-note');
    note.dataset.i18n = this.machineryLive ? 'map.machinery_legend' : 'map.machinery_empty';
    note.textContent = t(note.dataset.i18n);
    this.root.querySelector('.trails-note').hidden = !this.machineryLive;
  }

  async refreshOverview() {
    try {
      const overview = await api('/overview');
      this.overview.render(overview);
      this.showSite(overview);
      this.showOnMap(overview);
      await Promise.all([this.loadAlerts(), overview.machinery.available ? this.loadMachines() : null,
        this.loadImagery()]);
    } catch {
      /* shown by the live state; the next refresh retries */
    }
  }

  /** What of the overview the map shows: moisture, growth, machines. */
  showOnMap(overview) {
    this.map.setMoisture(overview.soil_moisture.plots);
    this.map.setGrowth(overview.imagery);
    this.map.setMachines(overview.machinery.positions);
    this.showMachineryNote(overview.machinery);
  }

  /** Today's irrigation plan: computed per plot, so fetched seldom. */
  async refreshPlan() {
    this.planAsked = true;
    let plan = null; // a server without plans: the empty state
    try {
      plan = await api('/irrigation/plan');
    } catch {
      /* kept null */
    }
    this.overview.setPlan(plan);
    this.map.setPlan(plan);
  }

  /** The site's zone for every clock, and its county's figures (facts:
   * county / county_en, county_mu, digital_mu, base_mu) in the header. */
  showSite(overview) {
    this.site = overview || this.site;
    if (!this.site) return;
    setSiteZone(this.site.day && this.site.day.tz);
    this.tickClock();
    const facts = (this.site.site && this.site.site.facts) || {};
    const box = this.root.querySelector('.county-facts');
    if (this.pv.isShown()) {
      box.textContent = this.pv.factsLine(currentLang());
      box.hidden = !box.textContent;
      return;
    }
    const county = currentLang() === 'zh-CN' ? facts.county : (facts.county_en || facts.county);
    const parts = [];
    if (county) parts.push(county);
    for (const key of ['county_mu', 'digital_mu', 'base_mu']) {
      if (typeof facts[key] === 'number') {
        parts.push(t('site.' + key, { mu: muArea(facts[key]) }));
      }
    }
    box.textContent = parts.join(' · ');
    box.hidden = parts.length === 0;
  }

  tickClock() {
    this.root.querySelector('.clock').textContent = clockTime(Date.now());
  }

  /** The site switcher: shown when the installation has more than one site. */
  async loadSites() {
    try {
      this.sites = (await api('/sites')).sites || [];
    } catch {
      this.sites = []; /* a server without sites: the base alone */
    }
    if (this.sites.length < 2) return;
    const select = el('select', { class: 'site-switch chip', 'aria-label': t('pv.site_switch') },
      ...this.sites.map((s) => el('option', { value: s.code, text: s.name })));
    select.addEventListener('change', () => this.selectSite(select.value), { signal: this.listeners.signal });
    this.root.querySelector('.topbar-right').prepend(select);
    let kept = null;
    try { kept = localStorage.getItem(SITE_KEY); } catch { /* storage off */ }
    if (kept && this.sites.some((s) => s.code === kept)) {
      select.value = kept;
      this.selectSite(kept);
    }
  }

  /** Show a site: a PV plant's own panels, or the base's. */
  selectSite(code) {
    const site = this.sites.find((s) => s.code === code);
    try { localStorage.setItem(SITE_KEY, code); } catch { /* storage off */ }
    const subtitle = this.root.querySelector('.brand [data-i18n="app.subtitle"], .brand [data-i18n="pv.subtitle"]');
    if (site && site.kind === 'pv_plant') {
      if (this.detail.isOpen()) this.detail.close();
      subtitle.dataset.i18n = 'pv.subtitle';
      this.pv.show(site);
    } else {
      subtitle.dataset.i18n = 'app.subtitle';
      this.pv.hide();
    }
    subtitle.textContent = t(subtitle.dataset.i18n);
    this.showSite(null);
  }

  showLiveState(state) {
    const box = this.root.querySelector('.live-status');
    box.dataset.state = state;
    box.querySelector('.live-text').textContent = t('live.' + state);
  }

  relabel() {
    this.overview.relabel();
    this.showSite(null);
    this.map.relabel();
    this.detail.relabel();
    this.feed.relabel();
    this.showLayers();
    this.showWho();
    this.showLiveState(this.live.state);
    this.pv.relabel();
    const select = this.root.querySelector('.site-switch');
    if (select) select.setAttribute('aria-label', t('pv.site_switch'));
  }
}
