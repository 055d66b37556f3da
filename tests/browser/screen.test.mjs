// The big screen in a real browser against a real server: sign-in (password
// and kiosk token), overview figures against the API, the map's shapes,
// plot detail, layers, languages, valve buttons by role, and live updates
// through GET /api/v1/stream, including reconnection after a restart;
// alerts (count, list, layer, acknowledgement, live), imagery (growth
// layer, the plot's NDVI chart) and the empty states when the API has none.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Oasis, seedBase, seedFrost, seedImagery } from './lib/oasis.mjs';
import { launch, signIn, mapEval, chartEval, artifactsDir } from './lib/browser.mjs';

const N_PLOTS = 12;
const VIEWPORT = { width: 1920, height: 1080 };
let oasis, browser, base, operatorPassword;
const artifacts = artifactsDir();

before(async () => {
  oasis = new Oasis().init();
  await oasis.start();
  base = await seedBase(oasis, N_PLOTS);
  await seedFrost(oasis, base.codes);
  await seedImagery(oasis, base.fc, base.codes[3]);
  operatorPassword = 'operator-pass-1';
  await oasis.user('duty', 'operator', operatorPassword);
  await oasis.user('watcher', 'viewer', 'viewer-pass-1');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await oasis?.close();
});

async function newPage() {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.stack || e.message));
  return page;
}

async function adminPage() {
  const page = await newPage();
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  return page;
}

/** Where a plot's centre is on the page, in CSS pixels. */
async function plotPixel(page, code) {
  const f = base.fc.features.find((x) => x.properties.code === code);
  const ring = f.geometry.coordinates[0];
  const lon = (ring[0][0] + ring[2][0]) / 2, lat = (ring[0][1] + ring[2][1]) / 2;
  const [x, y] = await mapEval(page, (chart, c) => chart.convertToPixel({ geoIndex: 0 }, c), [lon, lat]);
  const box = await page.locator('#map').boundingBox();
  return { x: box.x + x, y: box.y + y };
}

const text = (page, sel) => page.locator(sel).first().textContent();
const zh = (v, digits) => new Intl.NumberFormat('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);

test('a person signs in with a password and out again', async () => {
  const page = await newPage();
  await page.goto(oasis.url + '/');
  await page.fill('[name=username]', 'admin');
  await page.fill('[name=password]', 'not-the-password');
  await page.click('#login [type=submit]');
  await page.waitForSelector('.login-error:not([hidden])');
  assert.equal(await text(page, '.login-error'), '用户名或密码错误');
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  assert.match(await text(page, '.whoami'), /admin/);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'oasis_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
  await page.click('.logout');
  await page.waitForSelector('#login:not([hidden])');
  await page.reload();
  await page.waitForSelector('#login:not([hidden])');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a wall screen signs in with a viewer token and is signed out when it is revoked', async () => {
  const token = await oasis.token('viewer', 'hall-screen');
  const page = await newPage();
  await page.goto(`${oasis.url}/#kiosk=${token.token}`);
  await page.waitForSelector('#screen[data-ready=true]');
  assert.equal(new URL(page.url()).hash, '', 'the token stayed in the address');
  assert.match(await text(page, '.whoami'), /hall-screen/);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!stored.includes(token.token), 'the token was kept in page storage');
  await page.reload();
  await page.waitForSelector('#screen[data-ready=true]');
  await oasis.api('DELETE', '/tokens/' + token.id);
  await page.reload();
  await page.waitForSelector('#login:not([hidden])');
  await page.context().close();
});

test('the overview figures are the API\'s', async () => {
  const page = await adminPage();
  const ov = await oasis.api('GET', '/overview');
  assert.equal(ov.plots.count, N_PLOTS);
  assert.equal(await text(page, '[data-field="plots.count"]'), String(N_PLOTS));
  assert.equal(await text(page, '[data-field="plots.area_mu"]'), zh(ov.plots.area_mu, 0));
  assert.equal(await text(page, '[data-field="devices.count"]'), zh(ov.devices.count, 0));
  const w = ov.weather.current;
  assert.equal(await text(page, '[data-field="weather.air_temp"]'), zh(w.air_temp.value, 1));
  assert.equal(await text(page, '[data-field="weather.rh"]'), zh(w.rh.value, 0));
  assert.equal(await text(page, '[data-field="weather.wind_speed"]'), zh(w.wind_speed.value, 1));
  assert.equal(await text(page, '[data-field="weather.solar_rad"]'), zh(w.solar_rad.value, 0));
  assert.ok(ov.weather.et0_today.available, JSON.stringify(ov.weather.et0_today));
  assert.equal(await text(page, '[data-field="weather.et0"]'), zh(ov.weather.et0_today.mm, 2));
  assert.equal(await text(page, '[data-field="weather.note"]'), `${ov.weather.reporting}/${ov.weather.stations} 站在线`);
  assert.equal(await text(page, '[data-field="soil.mean"]'), zh(ov.soil_moisture.mean.value, 1));
  assert.equal(await text(page, '[data-field="soil.note"]'), `${ov.soil_moisture.reporting}/${ov.soil_moisture.probes} 探头在线`);
  // no flow meter: water applied today is said to be missing, not zero
  assert.ok(await page.locator('[data-empty="irrigation"]').isVisible(), 'irrigation has no empty state');
  assert.equal(await text(page, '[data-field="irrigation.done"]'), '—');
  // the imagery passes, as when they were, and the plots flagged
  assert.ok(await page.locator('[data-empty="imagery"]').isHidden());
  // the date in the site's zone (the overview's day.tz), not this machine's
  const satDay = new Intl.DateTimeFormat('en-CA', { timeZone: ov.day.tz })
    .format(new Date(ov.imagery.last_satellite.acquired_ms));
  assert.equal(await text(page, '[data-field="imagery.satellite"]'), `3 天前（${satDay}）`);
  assert.equal(await text(page, '[data-field="imagery.drone"]'), '—');
  assert.equal(ov.imagery.anomalies, 1);
  assert.equal(await text(page, '[data-field="imagery.anomalies"]'), '1 块');
  // the open alerts: the API's count, the newest listed
  assert.ok(ov.alerts.open >= 1, JSON.stringify(ov.alerts));
  await page.waitForFunction((n) => document.querySelector('[data-field="alerts.open"]').textContent === n,
    String(ov.alerts.open));
  assert.ok(await page.locator('[data-empty="alerts"]').isHidden());
  const first = page.locator('#p-alerts .alert-row').first();
  assert.equal(await first.getAttribute('data-plot'), ov.alerts.items[0].plot);
  // worded from its code and parameters, not the API's English message
  assert.equal(ov.alerts.items[0].code, 'weather');
  assert.match(await first.locator('.alert-message').textContent(), /^霜冻：气温 1\.0 °C（≤ 2\.0 °C），ws-frost 站；涉及 1 块地/);
  // critical while the crop is in the field, info once harvested (the seeded
  // plots are sown on 2026-04-15; the readings are today's)
  assert.equal(await first.getAttribute('data-severity'), ov.alerts.items[0].severity);
  assert.equal(ov.machinery.working, 1);
  assert.equal(await text(page, '[data-field="machinery.working"]'), '1');
  assert.ok(await page.locator('[data-empty="machinery"]').isHidden());
  const machines = await mapEval(page, (chart) => chart.getOption().series.find((x) => x.id === 'machinery').data.map((d) => d.name));
  assert.deepEqual(machines, ['trac-1']);
  // today's irrigation plan, summed as the API lists it
  const plan = await oasis.api('GET', '/irrigation/plan');
  const planned = plan.due.reduce((sum, d) => sum + d.volume_m3, 0);
  await page.waitForFunction((v) => document.querySelector('[data-field="irrigation.planned"]').textContent === v,
    zh(planned, 0));
  await page.screenshot({ path: join(artifacts, 'overview.png') });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the map has one shape per plot', async () => {
  const page = await adminPage();
  const drawn = await mapEval(page, (chart) => chart.getZr().storage.getDisplayList(true)
    .filter((e) => e.type === 'compound').length);
  assert.equal(drawn, N_PLOTS);
  assert.equal(await page.locator('#map').getAttribute('data-plots'), String(N_PLOTS));
  // each plot is painted where it lies, in a color of the moisture scale
  const points = [];
  for (const code of base.codes) {
    const f = base.fc.features.find((x) => x.properties.code === code);
    const ring = f.geometry.coordinates[0];
    // off the centre, where the plot's code is written
    points.push([ring[0][0] + 0.15 * (ring[2][0] - ring[0][0]), ring[0][1] + 0.2 * (ring[2][1] - ring[0][1])]);
  }
  points.push([points[0][0] - 0.01, points[0][1] - 0.01]); // outside every plot
  const colors = await mapEval(page, (chart, lonlats) => {
    const canvas = chart.getDom().querySelector('canvas');
    const ctx = canvas.getContext('2d');
    const ratio = canvas.width / chart.getWidth();
    return lonlats.map((ll) => {
      const [x, y] = chart.convertToPixel({ geoIndex: 0 }, ll);
      return Array.from(ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data);
    });
  }, points);
  const outside = colors.pop();
  assert.equal(outside[3], 0, 'something is painted outside the plots: ' + outside);
  const neutral = [0x17, 0x32, 0x4f];
  for (const [i, c] of colors.entries()) {
    assert.equal(c[3], 255, `plot ${base.codes[i]} is not painted: ${c}`);
    assert.ok(Math.hypot(c[0] - neutral[0], c[1] - neutral[1], c[2] - neutral[2]) > 40,
      `plot ${base.codes[i]} has no moisture color: ${c}`);
  }
  await page.context().close();
});

test('clicking a plot opens its detail', async () => {
  const page = await adminPage();
  const code = base.codes[4];
  const at = await plotPixel(page, code);
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector(`#detail[data-code="${code}"][data-state=ready]`);
  assert.equal(await text(page, '.detail-code'), code);
  assert.equal(await text(page, '.detail-name'), '试验地 5号');
  assert.equal(await page.locator('.latest-row').count(), 4); // sp-5: three depths and a soil temperature
  assert.ok(await page.locator('.detail-chart').count() >= 2);
  for (const empty of ['empty.camera', 'empty.operations', 'empty.plot_alerts'])
    assert.ok(await page.locator(`#detail [data-i18n="${empty}"]`).isVisible(), empty);
  // the water balance's advice is the API's
  const water = await oasis.api('GET', `/plots/${code}/water`);
  await page.waitForSelector('#detail .water-advice dd');
  const advice = await text(page, '#detail .water-advice dd');
  assert.equal(advice, water.recommendation.season_over ? '本季已结束' : water.recommendation.irrigate_on);
  await page.click('#detail [data-range=week]');
  await page.waitForFunction(() => document.querySelectorAll('.detail-chart').length >= 2);
  await page.click('#detail [data-range=day]');
  await page.waitForFunction(() => document.querySelectorAll('.detail-chart').length >= 2);
  await page.screenshot({ path: join(artifacts, 'plot-detail.png') });
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'hidden' });
  // search by code opens it too, with suggestions as one types
  await page.fill('.map-search input', base.codes[7].slice(0, 12));
  const suggested = await page.locator('#plot-codes option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(suggested, base.codes.filter((c) => c.startsWith(base.codes[7].slice(0, 12))));
  await page.fill('.map-search input', base.codes[7]);
  await page.click('.map-search button');
  await page.waitForSelector(`#detail[data-code="${base.codes[7]}"][data-state=ready]`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('layers and language switch', async () => {
  const page = await adminPage();
  await page.click('[data-layer=crop]');
  assert.equal(await page.locator('#map').getAttribute('data-layer'), 'crop');
  assert.deepEqual((await page.locator('.map-legend .legend-item').allTextContents()).sort(), ['棉花', '玉米']);
  const cropColors = await mapEval(page, (chart) => new Set(chart.getOption().geo[0].regions.map((r) => r.itemStyle.areaColor)).size);
  assert.equal(cropColors, 2);
  await page.click('[data-layer=growth]');
  assert.equal(await page.locator('#map').getAttribute('data-layer'), 'growth');
  assert.ok(await page.locator('.map-notice').isHidden());
  await page.click('[data-layer=moisture]');
  await page.waitForSelector('.map-notice', { state: 'hidden' });
  // plot codes are labels from the default zoom on (a dozen plots: room enough), and when zoomed in
  assert.equal(await mapEval(page, (chart) => chart.getOption().geo[0].label.show), true);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 8; i++) await page.mouse.wheel(0, -400);
  await page.waitForFunction(async () => {
    const echarts = await import('/vendor/echarts.esm.min.js');
    return echarts.getInstanceByDom(document.getElementById('map')).getOption().geo[0].label.show;
  }, null, { timeout: 5000 });

  await page.click('.topbar .lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await text(page, '.brand h1'), 'Oasis Digital Farm Control Center');
  assert.equal(await text(page, '[data-layer=crop]'), 'Crops');
  assert.equal(await text(page, '#p-weather h2 span'), 'Weather');
  // no Chinese is left in the labels (plot names are data, not labels)
  const labels = await page.evaluate(() => [...document.querySelectorAll('#screen [data-i18n], #screen h2, .kpi-label, .panel-note, .layer')]
    .filter((e) => e.offsetParent !== null).map((e) => e.textContent).join(' | '));
  assert.doesNotMatch(labels, /[\u4e00-\u9fff]/, labels);
  // the charts too: drawn again in the new language, though their data did not change
  const roseSectors = (chart) => chart.getOption().angleAxis[0].data.slice(0, 2);
  assert.deepEqual(await chartEval(page, '[data-chart="rose"]', roseSectors), ['N', 'NNE']);
  assert.deepEqual(await chartEval(page, '[data-chart="crops"]', (chart) => chart.getOption().series[0].data.map((d) => d.name).sort()),
    ['Cotton', 'Maize']);
  await page.reload();
  await page.waitForSelector('#screen[data-ready=true]');
  assert.equal(await text(page, '[data-layer=crop]'), 'Crops', 'the language choice was not kept');
  await page.click('.topbar .lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.equal(await text(page, '[data-layer=crop]'), '作物');
  assert.deepEqual(await chartEval(page, '[data-chart="rose"]', roseSectors), ['北', '北东北']);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the two dictionaries translate the same labels', async () => {
  const zhDict = (await import('../../web/i18n/zh-CN.js')).default;
  const enDict = (await import('../../web/i18n/en.js')).default;
  assert.deepEqual(Object.keys(enDict).sort(), Object.keys(zhDict).sort());
  for (const [k, v] of Object.entries(enDict))
    if (!k.startsWith('lang.') && k !== 'metric.ndvi' && !k.startsWith('group.other'))
      assert.doesNotMatch(v, /[\u4e00-\u9fff]/, `en.js ${k} is not English`);
});

test('a viewer sees no valve buttons', async () => {
  const page = await newPage();
  await signIn(page, oasis.url, 'watcher', 'viewer-pass-1');
  await page.fill('.map-search input', base.codes[0]);
  await page.click('.map-search button');
  await page.waitForSelector(`#detail[data-code="${base.codes[0]}"][data-state=ready]`);
  assert.equal(await page.locator('.valve-open, .valve-close').count(), 0);
  assert.ok(await page.locator('#detail .valves').isHidden());
  await page.context().close();
});

test('an operator\'s valve command reaches the API', async () => {
  const page = await newPage();
  await signIn(page, oasis.url, 'duty', operatorPassword);
  await page.fill('.map-search input', base.codes[1]);
  await page.click('.map-search button');
  await page.waitForSelector(`#detail[data-code="${base.codes[1]}"][data-state=ready]`);
  assert.equal(await page.locator('.valve-row').count(), 1);
  const posted = () => page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/devices/vl-2/commands'));
  await page.selectOption('.valve-duration', '60');
  let request = posted();
  await page.click('.valve-open');
  assert.deepEqual((await request).postDataJSON(), { action: 'open', duration_min: 60 });
  await page.waitForSelector('.valve-message[data-kind=ok]');
  let stored = (await oasis.api('GET', '/devices/vl-2/commands')).commands;
  assert.equal(stored[0].action, 'open');
  assert.equal(stored[0].duration_min, 60);
  assert.match(stored[0].requested_by, /duty/);
  request = posted();
  await page.click('.valve-close');
  assert.deepEqual((await request).postDataJSON(), { action: 'close' });
  await page.waitForFunction(() => document.querySelector('.valve-message').textContent.includes('关阀'));
  stored = (await oasis.api('GET', '/devices/vl-2/commands')).commands;
  assert.equal(stored[0].action, 'close');
  // a server without valve commands (404) is told apart from a failure
  await page.route('**/api/v1/devices/*/commands', (route) => route.fulfill({
    status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found","message":"no such route"}}',
  }));
  await page.click('.valve-open');
  await page.waitForSelector('.valve-message[data-kind=unavailable]');
  assert.equal(await text(page, '.valve-message'), '阀门控制暂不可用（服务器尚未提供该功能）');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a point pushed through the API appears without a reload, and the feed stays bounded', async () => {
  const page = await adminPage();
  await page.waitForSelector('.live-status[data-state=open]');
  assert.equal(await text(page, '.live-text'), '实时在线');
  const code = base.codes[2];
  await page.fill('.map-search input', code);
  await page.click('.map-search button');
  await page.waitForSelector(`#detail[data-code="${code}"][data-state=ready]`);
  await page.evaluate(() => { window.notReloaded = true; });
  await oasis.telemetry([{ device: 'sp-3', ts: Date.now(), values: { moisture_10cm: 37.7 } }]);
  await page.waitForSelector('.feed-row[data-device="sp-3"][data-metric="moisture_10cm"]');
  assert.equal(await text(page, '.feed-row[data-device="sp-3"] .feed-value'), '37.7 %vol');
  await page.waitForFunction(() => document.querySelector('.latest-row[data-series="sp-3/moisture_10cm"] .latest-value')
    .textContent === '37.7 %vol');
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  // many points later the page holds as many rows as before
  const rowsBefore = await page.locator('.feed li').count();
  // one event per series and write: 200 writes of 3 series each
  for (let i = 0; i < 200; i += 10)
    await Promise.all(Array.from({ length: 10 }, (_, k) => oasis.telemetry([{
      device: 'sp-' + (1 + ((i + k) % N_PLOTS)), ts: Date.now(),
      values: { moisture_20cm: 20 + k, moisture_10cm: 21 + k, soil_temp_10cm: 15 },
    }])));
  await page.waitForFunction(() => parseInt(document.querySelector('[data-field="feed.rate"]').textContent, 10) >= 600,
    null, { timeout: 10000 });
  assert.equal(await page.locator('.feed li').count(), rowsBefore);
  await page.context().close();
});

test('the live feed reconnects by itself after the server restarts', async () => {
  const page = await adminPage();
  await page.waitForSelector('.live-status[data-state=open]');
  await oasis.stop();
  await page.waitForSelector('.live-status:not([data-state=open])', { timeout: 20000 });
  assert.notEqual(await text(page, '.live-text'), '实时在线');
  await oasis.start();
  await page.waitForSelector('.live-status[data-state=open]', { timeout: 30000 });
  await oasis.telemetry([{ device: 'ws-1', ts: Date.now(), values: { air_temp: 33.3 } }]);
  await page.waitForSelector('.feed-row[data-device="ws-1"][data-metric="air_temp"]');
  assert.equal(await text(page, '.feed-row[data-device="ws-1"] .feed-value'), '33.3 °C');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('live points fold into the chart\'s buckets, so a line stays bounded', async () => {
  const { addToBuckets } = await import('../../web/js/detail.js');
  const { Ring } = await import('../../web/js/ring.js');
  const step = 600e3, start = Date.UTC(2026, 6, 1);
  const line = { agg: 'avg', stepMs: step, spanMs: 24 * 3600e3, points: [[start, 10]], lastCount: 2 };
  assert.ok(addToBuckets(line, start + 1000, 16)); // same bucket: (10 * 2 + 16) / 3
  assert.deepEqual(line.points, [[start, 12]]);
  assert.equal(addToBuckets(line, start - step, 99), false); // older than the newest bucket
  for (let i = 0; i < 3 * 24 * 3600; i++) addToBuckets(line, start + i * 1000, i % 7); // three days, one a second
  assert.ok(line.points.length <= 24 * 6 + 1, `${line.points.length} points`);
  const maxLine = { agg: 'max', stepMs: step, spanMs: 3600e3, points: [], lastCount: 0 };
  addToBuckets(maxLine, start, 0);
  addToBuckets(maxLine, start + 5, 1);
  addToBuckets(maxLine, start + 9, 0);
  assert.deepEqual(maxLine.points, [[start, 1]]);
  const ring = new Ring(3);
  for (let i = 1; i <= 10; i++) ring.push(i);
  assert.deepEqual(ring.toArray(), [8, 9, 10]);
  assert.equal(ring.fromNewest(0), 10);
  assert.equal(ring.fromNewest(3), undefined);
});

test('a plot\'s cameras show their stream link and latest snapshot; its operations are listed', async () => {
  const code = base.codes[2];
  const cam = await oasis.device('cam-3', 'camera', code);
  await oasis.device('cam-4', 'camera', code);
  await oasis.api('PUT', '/devices/cam-3/equipment', { stream_url: 'rtsp://192.0.2.7:554/live/ch1' });
  await oasis.api('PUT', '/devices/cam-4/equipment', { stream_url: 'https://video.example/cam4/index.m3u8' });
  // a JPEG the browser encodes, uploaded with the camera's own token
  const page = await adminPage();
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 36;
    const g = c.getContext('2d');
    g.fillStyle = '#3a7'; g.fillRect(0, 0, 64, 36);
    return c.toDataURL('image/jpeg', 0.8).split(',')[1];
  });
  const jpeg = Buffer.from(b64, 'base64');
  const up = await fetch(oasis.url + '/api/v1/devices/cam-3/snapshot', {
    method: 'POST', headers: { Authorization: 'Bearer ' + cam.token, 'Content-Type': 'image/jpeg' }, body: jpeg,
  });
  assert.equal(up.status, 201, await up.text());
  // yesterday the tractor sowed across the plot with an 8 m seeder
  await oasis.api('PUT', '/devices/trac-1/equipment', { implement: 'seeder', swath_m: 8 });
  const ring = base.fc.features[2].geometry.coordinates[0];
  const day = Math.floor(Date.now() / 86400e3) * 86400e3 - 86400e3;
  const items = [];
  for (let i = 0; i <= 100; i++)
    items.push({ device: 'trac-1', ts: day + 4 * 3600e3 + i * 1000, values: {
      longitude: ring[0][0] + 0.002, latitude: ring[0][1] + 0.0002 + i * 0.000024, working: 1, speed: 2 } });
  await oasis.telemetry(items);
  const ops = await oasis.api('GET', `/plots/${code}/operations`);
  assert.equal(ops.operations.length, 1, JSON.stringify(ops));

  const at = await plotPixel(page, code);
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector(`#detail[data-code="${code}"][data-state=ready]`);
  const link = page.locator('#detail .camera[data-camera="cam-3"] a.camera-stream');
  assert.equal(await link.getAttribute('href'), 'rtsp://192.0.2.7:554/live/ch1');
  assert.equal(await link.textContent(), '打开视频流 (RTSP)');
  assert.equal(await page.locator('#detail .camera[data-camera="cam-4"] a.camera-stream').textContent(), '打开视频流 (HLS)');
  assert.ok(await page.locator('#detail .camera[data-camera="cam-4"] .camera-no-snapshot').isVisible());
  const img = page.locator('#detail .camera[data-camera="cam-3"] img');
  await page.waitForFunction(() => {
    const i = document.querySelector('#detail .camera[data-camera="cam-3"] img');
    return i && i.complete && i.naturalWidth > 0;
  });
  assert.deepEqual(await img.evaluate((i) => [i.naturalWidth, i.naturalHeight]), [64, 36]);
  assert.ok(await page.locator('#detail [data-i18n="empty.camera"]').isHidden());
  // the operation, as the API has it
  const row = page.locator('#detail table.operations tbody tr');
  assert.equal(await row.count(), 1);
  assert.deepEqual(await row.locator('td').allTextContents(), [
    ops.operations[0].date, '播种', 'trac-1', zh(ops.operations[0].worked_mu, 1),
    zh(ops.operations[0].share * 100, 0) + '%']);
  assert.ok(await page.locator('#detail [data-i18n="empty.operations"]').isHidden());
  const section = page.locator('#detail .detail-block', { has: page.locator('.camera-list') });
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: join(artifacts, 'plot-cameras.png') });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/**
 * The colors the map's geo regions have in the current layer, by code
 * (ECharts keeps a region's name once set; a region without a color is
 * drawn neutral).
 */
const regionColors = (page) => mapEval(page, (chart) => Object.fromEntries(chart.getOption().geo[0].regions
  .filter((r) => r.itemStyle && r.itemStyle.areaColor).map((r) => [r.name, r.itemStyle.areaColor])));

test('the growth layer colors each plot by its newest NDVI; the detail charts the passes', async () => {
  const page = await adminPage();
  const ov = await oasis.api('GET', '/overview');
  await page.click('[data-layer=growth]');
  const colors = await regionColors(page);
  assert.deepEqual(Object.keys(colors).sort(), Object.keys(ov.imagery.ndvi).sort());
  const dropped = colors[base.codes[3]];
  assert.notEqual(dropped, colors[base.codes[0]], 'the flagged plot looks like the others');
  assert.equal(colors[base.codes[1]], colors[base.codes[0]]);
  assert.ok(await page.locator('.map-notice').isHidden());
  assert.ok(await page.locator('.map-legend .legend-scale').isVisible());
  // the plot's NDVI: two satellite passes, the second flagged
  await page.fill('.map-search input', base.codes[3]);
  await page.click('.map-search button');
  await page.waitForSelector(`#detail[data-code="${base.codes[3]}"][data-state=ready]`);
  const chart = page.locator('#detail .vegetation-chart');
  assert.ok(await chart.isVisible());
  assert.equal(await chart.getAttribute('data-points'), '2');
  assert.equal(await chart.getAttribute('data-anomalies'), '1');
  assert.ok(await page.locator('#detail [data-i18n="empty.vegetation"]').isHidden());
  const href = await page.locator('#detail a.vegetation-png').getAttribute('href');
  const png = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return [r.status, r.headers.get('content-type')];
  }, href);
  assert.deepEqual(png, [200, 'image/png']);
  await chart.scrollIntoViewIfNeeded();
  await page.locator('#detail .detail-block', { has: page.locator('.vegetation-chart') }).screenshot({ path: join(artifacts, 'plot-vegetation.png') });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the irrigation layer colors the plots of today\'s plan', async () => {
  const page = await adminPage();
  const plan = await oasis.api('GET', '/irrigation/plan');
  await page.click('[data-layer=irrigation]');
  await page.waitForSelector('.map-notice', { state: 'hidden' });
  const colors = await regionColors(page);
  const without = new Set(plan.without_balance.map((w) => w.plot));
  assert.deepEqual(Object.keys(colors).sort(), base.codes.filter((c) => !without.has(c)).sort());
  const due = new Set(plan.due.map((d) => d.plot));
  const notDue = Object.entries(colors).filter(([c]) => !due.has(c)).map(([, color]) => color);
  assert.ok(notDue.every((c) => c === '#2a6f8f'), JSON.stringify(colors));
  for (const d of plan.due) assert.notEqual(colors[d.plot], '#2a6f8f', d.plot);
  assert.ok(await page.locator('.map-legend .legend-scale').isVisible());
  await page.context().close();
});

test('the alerts layer colors the alerted plot, and clicking an alert opens its plot', async () => {
  const page = await adminPage();
  const active = (await oasis.api('GET', '/alerts?state=active')).alerts;
  const alerted = new Set(active.map((a) => a.plot).filter(Boolean));
  assert.ok(alerted.has(base.codes[0]));
  await page.click('[data-layer=alerts]');
  await page.waitForFunction(async (n) => {
    const echarts = await import('/vendor/echarts.esm.min.js');
    return echarts.getInstanceByDom(document.getElementById('map')).getOption().geo[0].regions
      .filter((r) => r.itemStyle && r.itemStyle.areaColor).length === n;
  }, alerted.size);
  const colors = await regionColors(page);
  assert.deepEqual(Object.keys(colors).sort(), [...alerted].sort());
  const worst = active.filter((a) => a.plot === base.codes[0]).map((a) => a.severity);
  assert.equal(colors[base.codes[0]], worst.includes('critical') ? '#ff4d4f' : worst.includes('warning') ? '#ffc94d' : '#5b8cff');
  assert.deepEqual(await page.locator('.map-legend .legend-item[data-severity]').evaluateAll((e) => e.map((x) => x.dataset.severity)),
    ['critical', 'warning', 'info']);
  await page.click(`#p-alerts .alert-row[data-plot="${base.codes[0]}"]`);
  await page.waitForSelector(`#detail[data-code="${base.codes[0]}"][data-state=ready]`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a viewer sees the plot\'s alert without an ack button; an operator\'s ack reaches the API', async () => {
  const code = base.codes[0];
  const [open] = (await oasis.api('GET', `/alerts?state=open&plot=${code}`)).alerts;
  assert.ok(open, 'no open alert on ' + code);
  const viewer = await newPage();
  await signIn(viewer, oasis.url, 'watcher', 'viewer-pass-1');
  await viewer.fill('.map-search input', code);
  await viewer.click('.map-search button');
  await viewer.waitForSelector(`#detail[data-code="${code}"][data-state=ready]`);
  const row = viewer.locator(`#detail .alert-row[data-id="${open.id}"]`);
  assert.match(await row.locator('.alert-message').textContent(), /^霜冻：气温/);
  assert.equal(await viewer.locator('#detail .alert-ack').count(), 0);
  await viewer.context().close();

  const page = await newPage();
  await signIn(page, oasis.url, 'duty', operatorPassword);
  await page.fill('.map-search input', code);
  await page.click('.map-search button');
  await page.waitForSelector(`#detail[data-code="${code}"][data-state=ready]`);
  await page.fill(`#detail .alert-row[data-id="${open.id}"] .alert-comment`, 'smudge pots lit');
  const request = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/alerts/${open.id}/ack`));
  await page.click(`#detail .alert-row[data-id="${open.id}"] .alert-ack`);
  assert.deepEqual((await request).postDataJSON(), { comment: 'smudge pots lit' });
  await page.waitForSelector(`#detail .alert-row[data-id="${open.id}"][data-state=acknowledged]`);
  const stored = await oasis.api('GET', `/alerts/${open.id}`);
  assert.equal(stored.state, 'acknowledged');
  assert.equal(stored.acknowledged.comment, 'smudge pots lit');
  assert.match(stored.acknowledged.by, /duty/);
  assert.equal(await page.locator('#detail .alert-ack').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('an alert opened through the API appears without a reload', async () => {
  const page = await adminPage();
  await page.waitForSelector('.live-status[data-state=open]');
  const code = base.codes[N_PLOTS - 1]; // ws-2's plot
  const before = Number(await text(page, '[data-field="alerts.open"]'));
  await page.click('[data-layer=alerts]');
  await page.evaluate(() => { window.notReloaded = true; });
  await oasis.api('POST', '/rules', { template: 'frost', plot: code, for_s: 0 });
  const now = Date.now();
  await oasis.telemetry([{ device: 'ws-2', ts: now - 2000, values: { air_temp: 1.5 } }]);
  await oasis.telemetry([{ device: 'ws-2', ts: now - 1000, values: { air_temp: -0.5 } }]);
  await page.waitForSelector(`#p-alerts .alert-row[data-plot="${code}"]`, { timeout: 10000 });
  const ov = await oasis.api('GET', '/overview');
  assert.equal(ov.alerts.open, before + 1);
  assert.equal(await text(page, '[data-field="alerts.open"]'), String(before + 1));
  // the newest first, and its plot on the alerts layer
  assert.equal(await page.locator('#p-alerts .alert-row').first().getAttribute('data-plot'), code);
  await page.waitForFunction(async (c) => {
    const echarts = await import('/vendor/echarts.esm.min.js');
    return echarts.getInstanceByDom(document.getElementById('map')).getOption().geo[0].regions
      .some((r) => r.name === c && r.itemStyle && r.itemStyle.areaColor);
  }, code);
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('without imagery or monitoring every new section shows its empty state', async () => {
  const page = await newPage();
  // a server whose overview has no imagery and no monitoring, and no passes over the plot
  const path = (p) => (url) => url.pathname === p || new RegExp(p).test(url.pathname);
  await page.route(path('/api/v1/overview'), async (route) => {
    const res = await route.fetch();
    const ov = await res.json();
    ov.imagery = { available: false, last_satellite: null, last_drone: null, ndvi: {}, ndvi_kind: {}, anomalies: 0 };
    ov.alerts = { available: false, open: null, items: [] };
    await route.fulfill({ response: res, json: ov });
  });
  const missing = { status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found","message":"no such route"}}' };
  await page.route(path('^/api/v1/alerts$'), (route) => route.fulfill(missing));
  await page.route(path('^/api/v1/plots/[^/]+/indices$'), (route) => route.fulfill({
    status: 200, contentType: 'application/json',
    body: JSON.stringify({ plot: base.codes[5], index: 'ndvi', satellite: [], drone: [], anomalies: [] }),
  }));
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  for (const name of ['imagery', 'alerts'])
    assert.ok(await page.locator(`[data-empty="${name}"]`).isVisible(), name + ' has no empty state');
  assert.equal(await text(page, '[data-field="alerts.open"]'), '—');
  assert.equal(await text(page, '[data-field="imagery.satellite"]'), '—');
  assert.equal(await page.locator('#p-alerts .alert-row').count(), 0);
  await page.click('[data-layer=growth]');
  assert.match(await text(page, '.map-notice'), /暂无长势数据/);
  await page.click('[data-layer=alerts]');
  assert.match(await text(page, '.map-notice'), /暂无告警数据/);
  await page.fill('.map-search input', base.codes[5]);
  await page.click('.map-search button');
  await page.waitForSelector(`#detail[data-code="${base.codes[5]}"][data-state=ready]`);
  assert.ok(await page.locator('#detail [data-i18n="empty.vegetation"]').isVisible());
  assert.ok(await page.locator('#detail .vegetation-chart').isHidden());
  assert.ok(await page.locator('#detail [data-i18n="empty.plot_alerts"]').isVisible());
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a machine\'s tooltip names its operation and implement (GET /api/v1/machines)', async () => {
  await oasis.api('PUT', '/devices/trac-1/equipment', { implement: 'seeder', swath_m: 8 });
  const machines = (await oasis.api('GET', '/machines')).machines;
  assert.equal(machines.find((m) => m.id === 'trac-1').operation, 'sowing');
  const page = await adminPage();
  await page.waitForFunction(async () => {
    const echarts = await import('/vendor/echarts.esm.min.js');
    const chart = echarts.getInstanceByDom(document.getElementById('map'));
    return chart.getOption().tooltip[0].formatter({ seriesId: 'machinery', name: 'trac-1' }).includes('播种 (播种机，幅宽 8.0 米)');
  }, null, { timeout: 10000 });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
