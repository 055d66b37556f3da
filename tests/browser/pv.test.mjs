// The PV park on the big screen: the site switcher picks a pv_plant site
// and its panels replace the base's: the plant's power now against the
// expected, today's energy, PR, availability and curtailment as the API
// computes them, the inverters ranked (the tripped one first), the string
// heat map (the low string marked), the site's work orders; in Chinese and
// English; and back to the base.  A small plant of its own, one morning of
// minute data at a fixed instant.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Oasis, plotsGeoJSON } from './lib/oasis.mjs';
import { launch, signIn, chartEval } from './lib/browser.mjs';

const SITE = 'pvt';
const DATE = '2026-06-20';
// 12:00:30 in Shanghai on DATE: the morning's data end at 11:59
const AT = Date.UTC(2026, 5, 20, 4, 0, 30);
const MIDNIGHT = Date.UTC(2026, 5, 19, 16, 0, 0);
const TRIP_HOUR = 10;          // INV3 gives nothing from 10:00 local on
const LOW = 'S4';              // at 80 % of its box's others

let oasis, browser;

const LAYOUT = [
  'id,kind,parent,name,subtype,met_station,kwp_dc,kw_ac,tilt,azimuth,lon,lat',
  'B1,block,,区块1,,,,,,,90.28,43.83',
  'MET1,met_station,B1,气象站,,,,,,,,',
  'M1,meter,B1,关口表,,,,,,,,',
  ...[1, 2, 3].map((i) => `INV${i},inverter,B1,逆变器${i},string,MET1,100,90,35,180,${90.278 + i * 0.001},43.829`),
  'CB1,combiner,INV1,汇流箱1,,,,,,,,',
  ...[1, 2, 3, 4, 5, 6].map((i) => `S${i},string,CB1,,,,,,,,,`),
].join('\n') + '\n';

/** The morning's readings, minute by minute from 06:00 to 11:59 local. */
function morning() {
  const items = [];
  for (let m = 6 * 60; m < 12 * 60; m++) {
    const ts = MIDNIGHT + m * 60e3;
    const h = m / 60;
    const g = Math.max(0, 1000 * Math.sin(Math.PI * (h - 6) / 13));
    items.push({ device: 'MET1', ts, values: { poa_global: g, temp_module: 25 + g / 40, temp_air: 22, wind_speed: 2 } });
    for (const i of [1, 2, 3]) {
      const pac = i === 3 && h >= TRIP_HOUR ? 0 : Math.min(90, 0.085 * g);
      items.push({ device: `INV${i}`, ts, values: { p_ac: pac, p_dc: pac / 0.97 } });
    }
    for (let s = 1; s <= 6; s++)
      items.push({ device: `S${s}`, ts, values: { string_current: 9 * g / 1000 * (`S${s}` === LOW ? 0.8 : 1) } });
    items.push({ device: 'M1', ts, values: { agc_setpoint: 1000 } });
  }
  return items;
}

before(async () => {
  oasis = new Oasis().init();
  oasis.importPlots(plotsGeoJSON(4));
  oasis.cli(['sites', 'add', SITE, '--name', '测试光伏电站', '--kind', 'pv_plant', '--tz', 'Asia/Shanghai',
    '--location', '90.28,43.83', '--alt', '1300', '--fact', 'county=木垒县', '--fact', 'county_en=Mulei County',
    '--fact', 'mwp=0.3']);
  const file = join(oasis.dir, 'layout.csv');
  writeFileSync(file, LAYOUT);
  oasis.cli(['pv', 'import', '--site', SITE, file]);
  await oasis.start();
  const items = morning();
  for (let i = 0; i < items.length; i += 2000) await oasis.telemetry(items.slice(i, i + 2000));
  await oasis.api('POST', '/workorders', { site: SITE, equipment: 'INV3', title: '逆变器 INV3 跳闸，现场复位' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await oasis?.close();
});

const text = (page, sel) => page.locator(sel).first().textContent();
const zh = (v, digits) => new Intl.NumberFormat('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);

test('selecting the PV site shows the park, in both languages, and back', async () => {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN', timezoneId: 'UTC' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.stack || e.message));
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  await page.clock.setFixedTime(AT);
  await page.waitForSelector('.site-switch');
  assert.deepEqual(await page.locator('.site-switch option').evaluateAll((o) => o.map((x) => x.value)), ['base', SITE]);
  await page.selectOption('.site-switch', SITE);
  await page.waitForSelector(`#pv[data-ready=true][data-site=${SITE}]`);
  assert.equal(await page.locator('.col-left').isVisible(), false);
  assert.equal(await text(page, '.brand [data-i18n="pv.subtitle"]'), '光伏电站 · 设备运维监测');
  assert.match(await text(page, '.county-facts'), /^木垒县/);

  // the figures are the API's
  const daily = await oasis.api('GET', `/sites/${SITE}/pv/daily?date=${DATE}`);
  const plant = await oasis.api('GET', `/sites/${SITE}/pv/plant?date=${DATE}&interval_min=5`);
  assert.ok(plant.now, 'the plant has a power now');
  assert.equal(await text(page, '[data-field="pv.power"]'), zh(plant.now.p_ac_kw / 1000, 2));
  assert.equal(await text(page, '[data-field="pv.expected"]'), zh(plant.now.p_ac_expected_kw / 1000, 2));
  assert.equal(await text(page, '[data-field="pv.energy"]'), zh(daily.plant.e_ac_kwh / 1000, 1));
  assert.equal(await text(page, '[data-field="pv.pr"]'), zh(daily.plant.pr * 100, 1));
  assert.equal(await text(page, '[data-field="pv.availability"]'), zh(daily.plant.availability_time * 100, 1));
  assert.ok(daily.plant.availability_time < 1, 'the trip costs availability');
  assert.equal(await text(page, '[data-field="pv.curtailed"]'), zh(daily.plant.e_curtailed_kwh / 1000, 2));
  assert.equal(await text(page, '[data-field="pv.poa"]'), zh(plant.now.poa_global, 0));
  assert.equal(await text(page, '[data-field="pv.tmod_sub"]'), '气温 22.0° · 风 2.0 m/s');

  // the inverters, worst first: the tripped one
  const ranks = await page.locator('.pv-rank').evaluateAll((r) => r.map((x) => [x.dataset.id, x.dataset.status]));
  assert.equal(ranks.length, 3);
  assert.deepEqual(ranks.map((r) => r[0]), daily.ranking.map((r) => r.id));
  assert.equal(ranks[0][0], 'INV3');
  assert.equal(ranks[0][1], 'low');

  // the strings' heat map: one box of six, the low one marked
  const cells = await page.locator('.pv-box[data-box=CB1] .pv-cell').evaluateAll((c) => c.map((x) => [x.dataset.string, x.dataset.status]));
  assert.equal(cells.length, 6);
  assert.deepEqual(cells.filter((c) => c[1] !== 'ok'), [[LOW, 'low']]);
  assert.equal(await text(page, '[data-field="p-pv-strings.note"]'), '偏低/开路组串 1 路');

  // the work order, and no alarm
  assert.equal(await page.locator('.pv-wo').count(), 1);
  assert.match(await text(page, '.pv-wo'), /待派发.*INV3 跳闸/);
  assert.equal(await text(page, '[data-empty="pv-alerts"]'), '本站暂无告警。');

  // the day's curve: actual and expected
  const series = await chartEval(page, '.pv-chart', (chart) => chart.getOption().series.map((s) => [s.name, s.data.length]));
  assert.deepEqual(series, [['实发功率', plant.points.length], ['应发功率', plant.points.length]]);

  // the plan: the block and its inverters where they stand, coloured as ranked
  const plan = await chartEval(page, '.pv-layout', (chart) => Object.fromEntries(chart.getOption().series
    .filter((x) => x.type === 'scatter').map((x) => [x.name, x.data.map((d) => [d.name, d.itemStyle.color])])));
  assert.deepEqual(plan.block, [['B1 · 区块1', 'rgba(47,214,255,0.35)']]);
  assert.deepEqual(plan.inverter.map((d) => d[0]), ['INV1 · 逆变器1', 'INV2 · 逆变器2', 'INV3 · 逆变器3']);
  assert.equal(plan.inverter[2][1], '#ff6b5b');

  // English
  await page.click('.topbar .lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await text(page, '#p-pv-plant h2 span'), 'Plant power');
  assert.equal(await text(page, '#p-pv-ranking h2 span'), 'Inverters by actual/expected');
  assert.equal(await text(page, '#p-pv-strings h2 span'), 'String current heat map');
  assert.equal(await text(page, '[data-field="p-pv-strings.note"]'), '1 low or open strings');
  assert.match(await text(page, '.pv-wo'), /^open/);
  assert.match(await text(page, '.county-facts'), /^Mulei County · 0\.3 MWp/);
  assert.equal(await text(page, '[data-field="pv.energy"]'),
    new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(daily.plant.e_ac_kwh / 1000));
  const names = await chartEval(page, '.pv-chart', (chart) => chart.getOption().series.map((s) => s.name));
  assert.deepEqual(names, ['Actual', 'Expected']);

  // back to the base
  await page.selectOption('.site-switch', 'base');
  await page.waitForSelector('#pv', { state: 'hidden' });
  assert.equal(await page.locator('.col-left').isVisible(), true);
  assert.equal(await text(page, '.brand [data-i18n="app.subtitle"]'), 'Digital cotton base · live monitoring');
  assert.deepEqual(errors, []);
  await context.close();
});
