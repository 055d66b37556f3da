// screen_soak.mjs MINUTES [--rate WRITES_PER_S] [--plots N] [--out FILE]
// screen_soak.mjs MINUTES --demo [--speed X] [--out FILE]
// (either form: [--browser-arg ARG]... passes ARG to chromium, e.g.
// --js-flags=--no-opt to see what V8's optimizing compilers add)
//
// Leave the big screen running under a high rate of live points and watch
// its memory: a real server (OASIS_BIN, default build/oasis) with N plots,
// each with a soil probe, the page signed in with a plot's detail open, and
// WRITES_PER_S writes a second through the API, each carrying a reading of
// every probe (3 series each, so 3 N stream events per write).  Every 10 s
// the page's JS heap is measured after a forced garbage collection (CDP
// HeapProfiler.collectGarbage + Runtime.getHeapUsage), with its DOM node
// and event listener counts (Memory.getDOMCounters).  Prints one line per
// sample and a summary comparing the end with the first minute; --out
// writes the samples as JSON.  Stops by itself after MINUTES.
//
// With --demo the load is the demo base itself: `oasis demo --speed X`
// (default 60) in a fresh folder, its simulated devices writing live as
// real ones do, the page signed in as the demo's admin with the first
// plot's detail open.

import { readFileSync, writeFileSync } from 'node:fs';
import { Oasis, seedBase } from '../tests/browser/lib/oasis.mjs';
import { startDemo } from './screen_demo.mjs';
import { launch, signIn } from '../tests/browser/lib/browser.mjs';

function args() {
  const a = process.argv.slice(2);
  const opt = { minutes: Number(a[0] || 10), rate: 10, plots: 60, out: null, demo: false, speed: 60, browserArgs: [] };
  for (let i = 1; i < a.length; i += 2) {
    if (a[i] === '--demo') {
      opt.demo = true;
      i--;
    } else if (a[i] === '--speed') opt.speed = Number(a[i + 1]);
    else if (a[i] === '--rate') opt.rate = Number(a[i + 1]);
    else if (a[i] === '--plots') opt.plots = Number(a[i + 1]);
    else if (a[i] === '--out') opt.out = a[i + 1];
    else if (a[i] === '--browser-arg') opt.browserArgs.push(a[i + 1]);
    else throw new Error('unknown option ' + a[i]);
  }
  if (!(opt.minutes > 0) || !(opt.rate > 0) || !(opt.plots > 0)) throw new Error('usage: screen_soak.mjs MINUTES [--rate N] [--plots N] [--out FILE]');
  return opt;
}

const FEED_RATE = 'document.querySelector(\'[data-field="feed.rate"]\').textContent';

async function sample(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const dom = await cdp.send('Memory.getDOMCounters');
  // one constant expression through the debugger protocol: Playwright's
  // page.evaluate would run its own helper script in the page each time,
  // whose compiled code the heap would count as the page's
  const seen = (await cdp.send('Runtime.evaluate', { expression: FEED_RATE, returnByValue: true })).result.value;
  return { used: heap.usedSize, total: heap.totalSize, nodes: dom.nodes, listeners: dom.jsEventListeners, rate: seen };
}

async function pusher(oasis, opt, deadline, counts) {
  const period = 1000 / opt.rate;
  let next = Date.now();
  let k = 0;
  while (Date.now() < deadline) {
    const ts = Date.now();
    const items = [];
    for (let i = 1; i <= opt.plots; i++)
      items.push({ device: 'sp-' + i, ts, values: { moisture_10cm: 15 + ((i + k) % 20), moisture_20cm: 18 + (k % 7), soil_temp_10cm: 12 + (k % 5) } });
    try {
      await oasis.telemetry(items);
      counts.writes++;
      counts.points += items.length * 3;
    } catch (e) {
      if (!counts.errors++) counts.firstError = e.message.slice(0, 300);
    }
    k++;
    next += period;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
    else next = Date.now();
  }
}

/** The base under load: a seeded test base with a pusher, or the demo. */
async function startBase(opt) {
  if (opt.demo) {
    const demo = await startDemo(opt.speed);
    return { ...demo, push: async () => {}, firstCode: null };
  }
  const oasis = new Oasis().init();
  await oasis.start();
  const base = await seedBase(oasis, opt.plots);
  return {
    url: oasis.url, user: 'admin', password: oasis.adminPassword, pid: oasis.proc.pid,
    push: (deadline, counts) => pusher(oasis, opt, deadline, counts),
    firstCode: base.codes[0], close: () => oasis.close(),
  };
}

/** Resident memory of a process in MiB (VmRSS), or null. */
function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? +(m[1] / 1024).toFixed(1) : null;
  } catch {
    return null;
  }
}

async function main() {
  const opt = args();
  const base = await startBase(opt);
  const browser = await launch(opt.browserArgs);
  try {
    const page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, base.url, base.user, base.password);
    const code = base.firstCode || (await page.evaluate(async () =>
      (await (await fetch('/api/v1/plots')).json()).features[0].properties.code));
    await page.fill('.map-search input', code);
    await page.click('.map-search button');
    await page.waitForSelector('#detail[data-state=ready]');
    const cdp = await page.context().newCDPSession(page);
    const start = Date.now();
    const deadline = start + opt.minutes * 60e3;
    const counts = { writes: 0, points: 0, errors: 0, firstError: null };
    const push = base.push(deadline, counts);
    const samples = [];
    console.log(opt.demo ? `soak: ${opt.minutes} min, the demo base at --speed ${opt.speed}`
      : `soak: ${opt.minutes} min, ${opt.plots} plots, ${opt.rate} writes/s (${opt.rate * opt.plots * 3} stream events/s)`);
    while (Date.now() < deadline) {
      await new Promise((ok) => setTimeout(ok, Math.min(10e3, Math.max(0, deadline - Date.now()))));
      const s = { t_s: Math.round((Date.now() - start) / 1000), ...(await sample(cdp)), writes: counts.writes, server_rss_mib: rssMiB(base.pid) };
      samples.push(s);
      console.log(`t=${s.t_s}s heap=${(s.used / 1048576).toFixed(2)} MiB nodes=${s.nodes} listeners=${s.listeners} feed="${s.rate}" writes=${s.writes} server=${s.server_rss_mib} MiB` +
        (counts.errors ? ` write errors=${counts.errors} (first: ${counts.firstError})` : ''));
    }
    await push;
    const first = samples.find((s) => s.t_s >= 60) || samples[0];
    const last = samples[samples.length - 1];
    const summary = {
      minutes: opt.minutes, browser_args: opt.browserArgs, ...(opt.demo ? { demo_speed: opt.speed } : { plots: opt.plots, writes_per_s: opt.rate }),
      writes: counts.writes, points: counts.points, write_errors: counts.errors,
      first_write_error: counts.firstError || null,
      heap_after_1min_mib: +(first.used / 1048576).toFixed(3),
      heap_end_mib: +(last.used / 1048576).toFixed(3),
      heap_growth_pct: +(100 * (last.used - first.used) / first.used).toFixed(2),
      heap_max_mib: +(Math.max(...samples.map((s) => s.used)) / 1048576).toFixed(3),
      nodes_after_1min: first.nodes, nodes_end: last.nodes,
      listeners_after_1min: first.listeners, listeners_end: last.listeners,
      page_errors: errors.length, first_error: errors[0] || null,
      server_rss_after_1min_mib: first.server_rss_mib, server_rss_end_mib: last.server_rss_mib,
    };
    console.log('summary ' + JSON.stringify(summary));
    if (opt.out) writeFileSync(opt.out, JSON.stringify({ summary, samples }, null, 1));
  } finally {
    await browser.close();
    await base.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
