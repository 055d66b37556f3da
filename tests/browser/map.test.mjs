// The map as a control room and the screen legible from across the room:
// the imagery basemap (tiles of GET /api/v1/basemap) under the plots and
// "none", plot codes at the default zoom, the north arrow and the scale bar
// (its length against the map's own projection), every machine inside the
// frame, a tractor's last hour and a drone's flight path, one colour per
// crop on the map and the donut, the live feed filled from the start; at
// 1920 x 1080 body text of 14 px at least, key figures of 28 px, contrast
// of 4.5:1 (from the computed styles, in both languages); and the layouts
// of a 3840 x 2160 wall and a 1366 x 768 laptop without overlapping
// panels, with screenshots (into docs/img when OASIS_SCREENSHOTS_TO_DOCS=1).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Oasis, REPO, seedBase } from './lib/oasis.mjs';
import { launch, signIn, mapEval, chartEval, artifactsDir } from './lib/browser.mjs';

const N_PLOTS = 12;
const artifacts = artifactsDir();
let oasis, browser, base, box, dronePos;

before(async () => {
  oasis = new Oasis().init();
  await oasis.start();
  base = await seedBase(oasis, N_PLOTS);
  box = bboxOf(base.fc);
  await seedImagery();
  await seedMachines();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await oasis?.close();
});

function bboxOf(fc) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of fc.features)
    for (const [x, y] of f.geometry.coordinates[0]) {
      b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y);
      b[2] = Math.max(b[2], x); b[3] = Math.max(b[3], y);
    }
  return b;
}

/** A drone mosaic (RGB bytes, GDAL's gdal_create) over the base, an hour ago. */
async function seedImagery() {
  const m = 0.003, [w, s, e, n] = [box[0] - m, box[1] - m, box[2] + m, box[3] + m];
  const file = join(oasis.dir, 'mosaic.tif');
  execFileSync('gdal_create', ['-q', '-of', 'GTiff', '-ot', 'Byte', '-outsize', String(Math.round((e - w) / 0.00005)),
    String(Math.round((n - s) / 0.00005)), '-bands', '3', '-burn', '170', '-burn', '150', '-burn', '110',
    '-a_srs', 'EPSG:4326', '-a_ullr', String(w), String(n), String(e), String(s), '-co', 'PHOTOMETRIC=RGB', file]);
  const q = new URLSearchParams({ source: 'drone-1', acquired: new Date(Date.now() - 3600e3).toISOString() });
  const res = await fetch(`${oasis.url}/api/v1/imagery?${q}`, {
    method: 'POST', headers: { Authorization: 'Bearer ' + oasis.adminToken }, body: readFileSync(file),
  });
  assert.equal(res.status, 201, await res.text());
}

/** trac-1 worked the last hour along the first row; uav-1 flies outside the plots. */
async function seedMachines() {
  await oasis.device('uav-1', 'drone');
  const now = Date.now(), items = [];
  items.push({ device: 'trac-1', ts: now - 2 * 3600e3, values: { longitude: box[0] - 0.02, latitude: box[1] } });
  for (let i = 0; i <= 10; i++)
    items.push({ device: 'trac-1', ts: now - 3500e3 + i * 300e3,
      values: { longitude: box[0] + (i / 10) * (box[2] - box[0]), latitude: box[1] + 0.0014, heading: 90, speed: 2, working: 1 } });
  dronePos = [box[2] + 0.01, box[3] + 0.004];
  for (let i = 0; i <= 6; i++)
    items.push({ device: 'uav-1', ts: now - 1800e3 + i * 290e3,
      values: { longitude: box[2] - 0.01 + (i / 6) * 0.02, latitude: box[3] - 0.002 + (i / 6) * 0.006, speed: 8, heading: 45 } });
  await oasis.telemetry(items);
}

async function page(viewport, locale = 'zh-CN') {
  const context = await browser.newContext({ viewport, locale });
  const p = await context.newPage();
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(e.stack || e.message));
  p.tiles = [];
  p.on('response', (r) => { if (r.url().includes('/api/v1/basemap/')) p.tiles.push(r.status()); });
  await signIn(p, oasis.url, 'admin', oasis.adminPassword);
  if (locale === 'en-US') {
    await p.click('.topbar .lang-switch');
    await p.waitForFunction(() => document.documentElement.lang === 'en');
  }
  return p;
}

const seriesOf = (p, id) => mapEval(p, (chart, id) => {
  const s = chart.getOption().series.find((x) => x.id === id);
  return s ? { data: s.data } : null;
}, id);

test('imagery under the plots, codes, north, scale, machines and their trails, one colour per crop', async () => {
  const p = await page({ width: 1920, height: 1080 });
  // the basemap: tiles of the newest generation, drawn under the plots
  await p.waitForFunction(() => document.querySelector('#map').dataset.basemap);
  const tiles = await seriesOf(p, 'basemap');
  assert.ok(tiles && tiles.data.length > 0, JSON.stringify(tiles));
  await p.waitForTimeout(1500);
  assert.ok(p.tiles.length > 0 && p.tiles.every((s) => s === 200), JSON.stringify(p.tiles));
  // plot codes at the default zoom, in type of 14 px and more
  const geo = await mapEval(p, (chart) => chart.getOption().geo[0].label);
  assert.equal(geo.show, true);
  assert.ok(geo.fontSize >= 14, JSON.stringify(geo));
  // the north arrow; the scale bar says as many metres as it is long
  assert.ok(await p.locator('.map-north').isVisible());
  assert.ok(await p.locator('.map-scale').isVisible());
  const metres = Number(await p.locator('.map-scale').getAttribute('data-metres'));
  assert.match(await p.locator('.map-scale-text').textContent(), /^\d+(\.\d+)? k?m$/);
  const barPx = (await p.locator('.map-scale-bar').boundingBox()).width;
  const lat = (box[1] + box[3]) / 2, dLon = metres / (111320 * Math.cos((lat * Math.PI) / 180));
  const px = await mapEval(p, (chart, [lon, lat, d]) => {
    const a = chart.convertToPixel({ geoIndex: 0 }, [lon, lat]), b = chart.convertToPixel({ geoIndex: 0 }, [lon + d, lat]);
    return b[0] - a[0];
  }, [box[0], lat, dLon]);
  assert.ok(Math.abs(barPx - px) <= 0.03 * px + 3, `bar ${barPx} px, map ${px} px for ${metres} m`);
  // every machine inside the frame: the drone outside the plots too
  const inside = await mapEval(p, (chart, pos) => {
    const [x, y] = chart.convertToPixel({ geoIndex: 0 }, pos);
    return x >= 0 && y >= 0 && x <= chart.getWidth() && y <= chart.getHeight();
  }, dronePos);
  assert.equal(inside, true);
  // the tractor's last hour (not the fix of two hours ago), the drone's flight path
  let trails = null;
  for (let i = 0; i < 50 && !(trails && trails.data.length === 2); i++) {
    trails = await seriesOf(p, 'trails');
    await p.waitForTimeout(200);
  }
  const byName = Object.fromEntries(trails.data.map((d) => [d.name, d]));
  // eleven fixes of the work and seedBase's of half a minute ago
  assert.equal(byName['trac-1'].coords.length, 12, JSON.stringify(byName['trac-1']));
  assert.ok(byName['trac-1'].coords.every(([lon]) => lon >= box[0]), 'the fix of two hours ago is not drawn');
  assert.equal(byName['uav-1'].lineStyle.type, 'dashed');
  assert.equal(byName['uav-1'].coords.length, 7);
  // one colour per crop: the map's crop legend and the donut agree
  await p.click('.chip.layer[data-layer=crop]');
  const legend = await p.$$eval('.map-legend [data-crop] i', (is) => is.map((i) => [i.parentElement.dataset.crop, getComputedStyle(i).backgroundColor]));
  const donut = await chartEval(p, '[data-chart="crops"]', (chart) => chart.getOption().series[0].data.map((d) => [d.name, d.itemStyle.color]));
  const rgb = (hex) => `rgb(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)})`;
  const names = { cotton: '棉花', maize: '玉米' };
  assert.equal(legend.length, 2);
  for (const [crop, color] of legend) {
    const d = donut.find(([name]) => name === names[crop]);
    assert.ok(d && rgb(d[1]) === color, `${crop}: map ${color}, donut ${d && d[1]}`);
  }
  // "none": no imagery; remembered
  await p.click('.chip.basemap-choice[data-basemap=none]');
  assert.equal(await seriesOf(p, 'basemap'), null);
  await p.reload();
  await p.waitForSelector('#screen[data-ready=true]');
  assert.equal(await p.locator('.chip.basemap-choice[data-basemap=none]').getAttribute('aria-checked'), 'true');
  await p.click('.chip.basemap-choice[data-basemap=imagery]');
  assert.ok((await seriesOf(p, 'basemap')).data.length > 0);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('the live feed starts with the last minutes', async () => {
  const p = await page({ width: 1920, height: 1080 });
  // seedBase's newest readings are a minute old: no live point has come
  await p.waitForFunction(() => document.querySelectorAll('#p-feed .feed-row:not([hidden])').length >= 10, null, { timeout: 5000 });
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

/**
 * In the page: every visible element with text of its own, its font size,
 * and the contrast of its colour on what lies under it (background colours
 * and gradient stops of it and its ancestors, over the page's lightest).
 */
function measureText() {
  const parse = (s) => {
    const m = s.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const v = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map((k) => top[3] * top[k] + (1 - top[3]) * under[k]);
  const lum = (c) => {
    const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const layers = (el) => {
    const out = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const cs = getComputedStyle(n);
      const stops = (cs.backgroundImage.match(/rgba?\([^)]+\)/g) || []).map(parse);
      const bg = parse(cs.backgroundColor);
      out.unshift({ bg: bg && bg[3] > 0 ? bg : null, stops });
    }
    return out;
  };
  // the page's radial gradient at its lightest
  const page = [11, 42, 74];
  const results = [];
  for (const el of document.querySelectorAll('#screen *')) {
    if (el.closest('[hidden]') || el.closest('canvas') || el.tagName === 'CANVAS') continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || Number(cs.opacity) === 0) continue;
    const color = parse(cs.color);
    if (!color || color[3] === 0) continue; // text painted by its background (the title's gradient)
    let unders = [page];
    for (const l of layers(el)) {
      const next = [];
      for (const u of unders) {
        const base = l.bg ? over(l.bg, u) : u;
        next.push(base);
        for (const s of l.stops) if (s) next.push(over(s, base));
      }
      unders = next.length > 16 ? next.sort((a, b) => lum(b) - lum(a)).slice(0, 8) : next;
    }
    const worst = Math.min(...unders.map((u) => ratio(over(color, u), u)));
    results.push({ sel: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''),
      text: el.textContent.trim().slice(0, 30), size: parseFloat(cs.fontSize), contrast: worst });
  }
  return results;
}

for (const locale of ['zh-CN', 'en-US'])
  test(`legible at 1920 x 1080 (${locale}): text >= 14 px, key figures >= 28 px, contrast >= 4.5`, async () => {
    const p = await page({ width: 1920, height: 1080 }, locale);
    await p.waitForTimeout(1000);
    const texts = await p.evaluate(`(${measureText.toString()})()`);
    assert.ok(texts.length > 50, `only ${texts.length} texts`);
    const small = texts.filter((x) => x.size < 14);
    assert.deepEqual(small, [], 'text under 14 px');
    const faint = texts.filter((x) => x.contrast < 4.5);
    assert.deepEqual(faint, [], 'contrast under 4.5:1');
    const figures = await p.$$eval('.kpi-value, .clock', (els) => els.filter((e) => e.offsetParent)
      .map((e) => [e.dataset.field || e.className, parseFloat(getComputedStyle(e).fontSize)]));
    assert.ok(figures.length >= 8, JSON.stringify(figures));
    assert.deepEqual(figures.filter(([, s]) => s < 28), [], 'key figures under 28 px');
    assert.deepEqual(p.errors, []);
    await p.context().close();
  });

/** The boxes of the screen's panels that overlap (the video wall lies over the map by design). */
function overlaps() {
  const boxes = [...document.querySelectorAll('#screen .topbar, #screen .col > .panel')]
    .filter((e) => e.offsetParent && !e.classList.contains('video-panel'))
    .map((e) => ({ id: e.id || e.className, r: e.getBoundingClientRect() }));
  const out = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r, b = boxes[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) out.push([boxes[i].id, boxes[j].id, Math.round(w), Math.round(h)]);
    }
  // over the map: the toolbar, the north arrow, the scale, the legend and the foot apart
  const parts = ['.map-toolbar', '.map-north', '.map-scale', '.map-legend', '.map-foot']
    .map((sel) => [sel, document.querySelector('#screen ' + sel)]).filter(([, e]) => e && e.offsetParent)
    .map(([sel, e]) => ({ id: sel, r: e.getBoundingClientRect() }));
  for (let i = 0; i < parts.length; i++)
    for (let j = i + 1; j < parts.length; j++) {
      const a = parts[i].r, b = parts[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) out.push([parts[i].id, parts[j].id, Math.round(w), Math.round(h)]);
    }
  // text that spills out of its panel sideways
  const spill = [...document.querySelectorAll('#screen .panel')].filter((e) => e.offsetParent && e.scrollWidth > e.clientWidth + 2)
    .map((e) => [e.id || e.className, e.scrollWidth, e.clientWidth]);
  return { out, spill, n: boxes.length };
}

for (const [w, h] of [[3840, 2160], [1920, 1080], [1366, 768]])
  for (const locale of ['zh-CN', 'en-US'])
    test(`${w} x ${h} (${locale}) lays out without overlap`, async () => {
      const p = await page({ width: w, height: h }, locale);
      await p.waitForTimeout(2500);
      const r = await p.evaluate(`(${overlaps.toString()})()`);
      assert.ok(r.n >= 8, JSON.stringify(r));
      assert.ok(await p.locator('.map-scale').isVisible() && await p.locator('.map-north').isVisible());
      assert.deepEqual(r.out, [], 'overlapping panels');
      assert.deepEqual(r.spill, [], 'panels whose content spills sideways');
      const name = `screen-${locale === 'en-US' ? 'en' : 'zh'}-${w}x${h}.png`;
      await p.screenshot({ path: join(artifacts, name) });
      if (process.env.OASIS_SCREENSHOTS_TO_DOCS === '1') copyFileSync(join(artifacts, name), join(REPO, 'docs', 'img', name));
      assert.deepEqual(p.errors, []);
      await p.context().close();
    });
