// Debian's chromium, headless, driven by playwright-core: nothing is
// downloaded, and Playwright starts it on a fresh temporary profile
// (--user-data-dir) of its own.

import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OASIS_BIN } from './oasis.mjs';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch(extraArgs = []) {
  if (!existsSync(CHROMIUM))
    throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_BIN)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Where screenshots go: beside the oasis program under test. */
export function artifactsDir() {
  const dir = process.env.OASIS_ARTIFACTS || join(dirname(OASIS_BIN), 'browser-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Sign in through the page's form and wait for the screen to be ready. */
export async function signIn(page, url, username, password) {
  await page.goto(url + '/');
  await page.fill('[name=username]', username);
  await page.fill('[name=password]', password);
  await page.click('#login [type=submit]');
  await page.waitForSelector('#screen[data-ready=true]', { timeout: 20000 });
}

/**
 * Run fn(chart, arg) in the page with the ECharts instance of the element
 * that selector finds.  fn is sent as source text and evaluated by the
 * debugger protocol, not by the page (whose Content-Security-Policy
 * forbids eval).
 */
export function chartEval(page, selector, fn, arg = null) {
  return page.evaluate(`(async () => {
    const echarts = await import('/vendor/echarts.esm.min.js');
    const chart = echarts.getInstanceByDom(document.querySelector(${JSON.stringify(selector)}));
    return (${fn.toString()})(chart, ${JSON.stringify(arg)});
  })()`);
}

/** chartEval on the map. */
export function mapEval(page, fn, arg = null) {
  return chartEval(page, '#map', fn, arg);
}
