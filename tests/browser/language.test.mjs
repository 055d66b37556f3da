// One language on the screen: the page is walked in zh-CN and in English
// (sign-in and its error, every panel, every map layer with its legend,
// a plot's detail with its alerts and charts, the machines' tooltip, the
// charts' own texts) and every text that reaches the screen is checked
// for the wrong script.
//
// The allowed sets, explicitly:
//   on the English screen no Han character and no CJK punctuation, but for
//     - the data the base was given in Chinese (plot names, the variety),
//       which are the user's own words, not the page's;
//     - the language switch, which names the other language in its own
//       script ("中文");
//   on the Chinese screen no Latin word, but for
//     - units (UNITS below), and acronyms of the trade (ACRONYMS);
//     - codes and ids: a token with a digit, a hyphen or an underscore
//       (plot codes, device ids such as ws-frost or trac-1);
//     - the language switch ("English");
//     - names (NAMES): the product's, and the login of the user signed in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Oasis, seedBase, seedFrost, seedImagery } from './lib/oasis.mjs';
import { launch } from './lib/browser.mjs';

const N_PLOTS = 8;
const VIEWPORT = { width: 1920, height: 1080 };
const LAYERS = ['moisture', 'crop', 'growth', 'irrigation', 'alerts'];

const UNITS = new Set(['m', 'mm', 'cm', 'km', 'm/s', 'hPa', 'kPa', 'Pa', 'V', 'W', 'kW', 'kWh', 'MWh',
  'dBm', 'h', 's', 'ms', '°C', '%vol', 'W/m²', 'm²', 'm³', 'm³/h', 'm³/m³', 'µmol/m²/s', 'dS/m', 'MJ', 'ha', 'mu']);
const ACRONYMS = new Set(['NDVI', 'ET₀', 'ETc', 'Kc', 'RAW', 'TAW', 'Dr', 'PAR', 'EC', 'GNSS', 'RTSP', 'HLS', 'PV']);
const LANG_SWITCH = { 'zh-CN': 'English', en: '中文' };
// names, not words: the product's, and the user signed in (their login)
const NAMES = new Set(['Oasis', 'admin']);

let oasis, browser, base;

before(async () => {
  oasis = new Oasis().init();
  await oasis.start();
  base = await seedBase(oasis, N_PLOTS);
  await seedFrost(oasis, base.codes);
  await seedImagery(oasis, base.fc, base.codes[3]);
  await oasis.api('PUT', '/devices/trac-1/equipment', { implement: 'cultivator', swath_m: 12 });
  // the weather of the whole base: one alert over every plot
  await oasis.api('POST', '/rules', { template: 'heat_stress', for_s: 0 });
  await oasis.telemetry([{ device: 'ws-2', ts: Date.now() - 5000, values: { air_temp: 38 } }]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await oasis?.close();
});

/** Every text shown: visible text nodes, titles, placeholders, labels. */
function shownTexts(page) {
  return page.evaluate(() => {
    const out = [];
    const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'
      && !e.closest('[hidden]');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const e = n.parentElement;
      if (e && n.textContent.trim() && !e.closest('script, style, template') && visible(e))
        out.push(n.textContent.trim());
    }
    for (const e of document.querySelectorAll('[title], [placeholder], [aria-label]'))
      if (visible(e))
        for (const a of ['title', 'placeholder', 'aria-label'])
          if (e.getAttribute(a)) out.push(e.getAttribute(a));
    return out;
  });
}

/** The texts the charts draw on their canvases (titles, legends, series, axes). */
function chartTexts(page) {
  return page.evaluate(`(async () => {
    const echarts = await import('/vendor/echarts.esm.min.js');
    const out = [];
    const name = (d) => (d && typeof d === 'object' ? d.name : d);
    for (const dom of document.querySelectorAll('[_echarts_instance_]')) {
      if (!dom.getClientRects().length) continue;
      const o = echarts.getInstanceByDom(dom)?.getOption();
      if (!o) continue;
      for (const t of o.title || []) out.push(t.text, t.subtext);
      for (const l of o.legend || []) for (const d of l.data || []) out.push(name(d));
      for (const s of o.series || []) {
        out.push(s.name);
        if (s.type === 'pie') for (const d of s.data || []) out.push(name(d));
      }
      for (const ax of [...(o.xAxis || []), ...(o.yAxis || []), ...(o.angleAxis || []), ...(o.radiusAxis || [])]) {
        out.push(ax.name);
        if (ax.type === 'category') for (const d of ax.data || []) out.push(name(d));
      }
    }
    return out.filter((x) => typeof x === 'string' && x.trim());
  })()`);
}

/** What of texts is in the wrong script for lang: [] when the page is pure. */
function wrongScript(lang, texts, allowedHan) {
  const bad = [];
  for (const raw of texts) {
    if (lang === 'en') {
      let s = raw;
      for (const ok of [...allowedHan, LANG_SWITCH.en]) s = s.split(ok).join('');
      if (/[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/.test(s)) bad.push(raw);
    } else {
      const words = raw.match(/[°%µ]?[A-Za-z][A-Za-z0-9_\-./²³₀µ]*/g) || [];
      const foreign = words.map((w) => w.replace(/[.\-/]+$/, '')).filter((w) => w && !UNITS.has(w) &&
        !ACRONYMS.has(w) && !NAMES.has(w) && !/[0-9_-]/.test(w) && w !== LANG_SWITCH['zh-CN']);
      if (foreign.length) bad.push(`${raw}  <- ${foreign.join(' ')}`);
    }
  }
  return [...new Set(bad)];
}

async function mapOption(page, fn) {
  return page.evaluate(`(async () => {
    const echarts = await import('/vendor/echarts.esm.min.js');
    const chart = echarts.getInstanceByDom(document.getElementById('map'));
    return (${fn.toString()})(chart);
  })()`);
}

for (const lang of ['zh-CN', 'en']) {
  test(`every panel and layer speaks ${lang} only`, async () => {
    const allowedHan = [...new Set(base.fc.features.flatMap((f) => [f.properties.name, f.properties.variety]))];
    const context = await browser.newContext({ viewport: VIEWPORT, locale: lang });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.stack || e.message));
    const seen = [];
    const look = async (where) => {
      for (const x of [...await shownTexts(page), ...await chartTexts(page)]) seen.push([where, x]);
    };

    // the sign-in page, and a failed sign-in's message
    await page.goto(`${oasis.url}/?lang=${lang}`);
    await page.fill('[name=username]', 'admin');
    await page.fill('[name=password]', 'not-the-password');
    await page.click('#login [type=submit]');
    await page.waitForSelector('.login-error:not([hidden])');
    await look('login');
    await page.fill('[name=password]', oasis.adminPassword);
    await page.click('#login [type=submit]');
    await page.waitForSelector('#screen[data-ready=true]', { timeout: 20000 });
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang);

    // the overview: every panel, with the alerts listed and the feed running
    await page.waitForSelector('#p-alerts .alert-row');
    await page.waitForSelector('#p-alerts .alert-row[data-code=weather]:not([data-plot=""])');
    const baseRow = page.locator('#p-alerts .alert-row[data-code=weather][data-plot=""]');
    assert.equal(await baseRow.count(), 1, 'the base\'s heat is one row');
    await oasis.telemetry([{ device: 'ws-1', ts: Date.now(), values: { rh: 40, wind_speed: 2.5 } }]);
    await page.waitForSelector('.feed-row:not([hidden])', { timeout: 10000 });
    await look('overview');

    // every layer, with its legend and notice
    for (const layer of LAYERS) {
      await page.click(`[data-layer=${layer}]`);
      await page.waitForFunction((l) => document.getElementById('map').dataset.layer === l, layer);
      await look('layer ' + layer);
    }
    // the base's heat colours every plot it covers on the alerts layer
    const coloured = await mapOption(page, (chart) => chart.getOption().geo[0].regions
      .filter((r) => r.itemStyle && r.itemStyle.areaColor).length);
    assert.equal(coloured, N_PLOTS);

    // the machines' tooltip: operation and implement
    const tip = await mapOption(page, (chart) => chart.getOption().tooltip[0]
      .formatter({ seriesId: 'machinery', name: 'trac-1' }));
    seen.push(['machine tooltip', tip.replace(/<[^>]+>/g, ' ')]);
    assert.match(tip, lang === 'en' ? /Tillage \(cultivator, 12\.0 m swath\)/ : /整地 \(中耕机，幅宽 12\.0 米\)/);

    // a plot's detail: its own frost and the base's heat, charts, water, operations
    await page.fill('.map-search input', base.codes[0]);
    await page.click('.map-search button');
    await page.waitForSelector(`#detail[data-code="${base.codes[0]}"][data-state=ready]`);
    await page.waitForFunction(() => document.querySelectorAll('#detail .alert-row').length >= 2);
    await look('detail');
    // an operator's actions and what the page answers: an acknowledgement
    // (the other language's run acknowledged one already: shown as done),
    // and a valve command
    await page.click('#detail .alert-ack');
    await page.waitForSelector('#detail .alert-message-line:not([hidden])');
    await page.waitForSelector('#detail .alert-acked');
    await page.click('#detail .valve-open');
    await page.waitForSelector('#detail .valve-message:not([hidden])');
    await look('detail, after acting');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail', { state: 'hidden' });
    await page.fill('.map-search input', base.codes[3]); // the flagged NDVI
    await page.click('.map-search button');
    await page.waitForSelector(`#detail[data-code="${base.codes[3]}"][data-state=ready]`);
    await look('detail (NDVI)');

    const bad = wrongScript(lang, seen.map(([, x]) => x), allowedHan);
    const where = bad.map((b) => `${seen.find(([, x]) => b.startsWith(x))?.[0] || '?'}: ${b}`);
    assert.deepEqual(where, [], `text in the wrong script on the ${lang} screen`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('the allowed sets catch what they must', () => {
  assert.deepEqual(wrongScript('en', ['Frost: air 0 °C', '试验地 1号'], ['试验地 1号']), []);
  assert.equal(wrongScript('en', ['霜冻'], []).length, 1);
  assert.equal(wrongScript('en', ['Frost（x）'], []).length, 1);
  assert.deepEqual(wrongScript('zh-CN', ['气温 -12.0 °C（≤ 2.0 °C），ws-06 站', 'NDVI 0.72', '8.0 m/s', 'English'], []), []);
  assert.equal(wrongScript('zh-CN', ['frost: ws-06 air_temp -12 <= 2'], []).length, 1);
  assert.equal(wrongScript('zh-CN', ['整地 (cultivator, 12.0 m)'], []).length, 1);
});
