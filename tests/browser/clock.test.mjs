// One clock and the county's figures: a browser in New York shows the
// site's (Asia/Shanghai) time, at a fixed instant, and the header shows the
// default site's facts (county, its mu, under digital management, the
// base's) in both languages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Oasis, plotsGeoJSON } from './lib/oasis.mjs';
import { launch, signIn } from './lib/browser.mjs';

let oasis, browser;
// 2026-07-20T02:30:05Z: 10:30:05 in Shanghai, 22:30:05 the day before in New York
const AT = Date.UTC(2026, 6, 20, 2, 30, 5);

before(async () => {
  oasis = new Oasis().init();
  oasis.cli(['sites', 'set', 'base', '--fact', 'county=玛纳斯县', '--fact', 'county_en=Manas County',
    '--fact', 'county_mu=1100000', '--fact', 'digital_mu=650000', '--fact', 'base_mu=12000']);
  oasis.importPlots(plotsGeoJSON(4));
  await oasis.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await oasis?.close();
});

test('the clock shows the site\'s zone and the header the county\'s figures', async () => {
  const context = await browser.newContext({
    viewport: { width: 1920, height: 1080 }, locale: 'zh-CN', timezoneId: 'America/New_York',
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.stack || e.message));
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  await page.clock.setFixedTime(AT);
  await page.waitForSelector('.county-facts:not([hidden])');
  assert.equal(await page.locator('.county-facts').textContent(),
    '玛纳斯县 · 全县 110万亩 · 数字化管理 65万亩 · 本基地 1.2万亩');
  await page.waitForFunction(() => document.querySelector('.clock').textContent === '10:30:05',
    null, { timeout: 5000 });
  // the browser itself is in New York
  assert.equal(await page.evaluate(() => new Date().getHours()), 22);

  await page.click('.topbar .lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.locator('.county-facts').textContent(),
    'Manas County · 1.1 M mu in the county · 650,000 mu under digital management · this base 12,000 mu');
  assert.equal(await page.locator('.clock').textContent(), '10:30:05');
  assert.deepEqual(errors, []);
  await context.close();
});
