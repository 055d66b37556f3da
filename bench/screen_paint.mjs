// screen_paint.mjs [PLOTS] [RUNS]: how soon the big screen shows a county.
//
// A real server (OASIS_BIN, default build/oasis) with PLOTS plots (default
// 5,000, a generated grid), a soil probe and a reading on each, and RUNS
// page loads (default 5) by a signed-in browser at 1920x1080.  For each
// load it reads, from the page's performance timeline, the time from
// navigation start to
//   first-contentful-paint             the browser's first paint, and
//   oasis:first-meaningful-paint       the page's mark once the overview
//                                      figures are in and the map has drawn
//                                      every plot (ECharts' "finished").
// The first load is cold (ECharts not cached yet); the others warm.
// Then, on the last load, what one live redraw costs: the map given every
// plot a new color 10 times (what a redraw after new readings does), the
// time from the option to the next painted frame.

import { Oasis, plotsGeoJSON } from '../tests/browser/lib/oasis.mjs';
import { launch, mapEval } from '../tests/browser/lib/browser.mjs';

const PLOTS = Number(process.argv[2] || 5000);
const RUNS = Number(process.argv[3] || 5);

/** fn over items, `limit` at a time. */
async function mapLimited(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

async function seed(oasis) {
  const fc = plotsGeoJSON(PLOTS);
  oasis.importPlots(fc);
  const codes = fc.features.map((f) => f.properties.code);
  await mapLimited(codes, 8, (code, i) => oasis.device('sp-' + (i + 1), 'soil_probe', code));
  const ts = Date.now();
  const items = codes.map((_, i) => ({ device: 'sp-' + (i + 1), ts, values: { moisture_10cm: 12 + (i % 25), moisture_20cm: 15 + (i % 20) } }));
  for (let i = 0; i < items.length; i += 2500) await oasis.telemetry(items.slice(i, i + 2500));
}

async function measure(browser, oasis) {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  const res = await page.request.post(oasis.url + '/api/v1/login', { data: { username: 'admin', password: oasis.adminPassword } });
  if (!res.ok()) throw new Error('sign-in failed: ' + res.status());
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    await page.goto(oasis.url + '/');
    await page.waitForSelector('#screen[data-ready=true]', { timeout: 60000 });
    const t = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      fmp: performance.getEntriesByName('oasis:first-meaningful-paint')[0].startTime,
      plots: Number(document.getElementById('map').dataset.plots),
      marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace('oasis:', ''), Math.round(m.startTime)])),
      nav: performance.getEntriesByType('navigation').map((n) => ({ dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) }))[0],
    }));
    times.push(t);
    console.log(`load ${run + 1}${run ? '' : ' (cold)'}: FCP ${t.fcp?.toFixed(0)} ms, first meaningful paint ${t.fmp.toFixed(0)} ms, ${t.plots} plots drawn; marks ${JSON.stringify(t.marks)} ${JSON.stringify(t.nav)}`);
  }
  times.redrawMs = await redraws(page);
  console.log(`live redraw of every plot's color: ${times.redrawMs.join(', ')} ms`);
  await context.close();
  return times;
}

/** Ten recolorings of every plot, each timed to the next painted frame. */
function redraws(page) {
  return mapEval(page, async (chart) => {
    const regions = chart.getOption().geo[0].regions;
    const frame = () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
    const out = [];
    for (let k = 0; k < 10; k++) {
      const shade = 40 + 10 * k;
      const t0 = performance.now();
      chart.setOption({ geo: { regions: regions.map((r) => ({ name: r.name, itemStyle: { areaColor: `rgb(${shade}, 120, 200)` } })) } });
      await frame();
      out.push(Math.round(performance.now() - t0));
    }
    return out;
  });
}

async function main() {
  const oasis = new Oasis().init();
  await oasis.start();
  const browser = await launch();
  try {
    const t0 = Date.now();
    await seed(oasis);
    console.log(`seeded ${PLOTS} plots and probes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const path of ['/plots', '/overview']) {
      const s = Date.now();
      const res = await fetch(oasis.url + '/api/v1' + path, { headers: { Authorization: 'Bearer ' + oasis.adminToken } });
      const body = await res.arrayBuffer();
      console.log(`GET /api/v1${path}: ${(body.byteLength / 1048576).toFixed(2)} MiB in ${Date.now() - s} ms`);
    }
    const times = await measure(browser, oasis);
    const warm = times.slice(1).map((t) => t.fmp).sort((a, b) => a - b);
    const median = warm.length ? warm[Math.floor(warm.length / 2)] : times[0].fmp;
    console.log('summary ' + JSON.stringify({
      plots: PLOTS, cold_fmp_ms: Math.round(times[0].fmp), warm_fmp_median_ms: Math.round(median),
      warm_fmp_max_ms: Math.round(Math.max(...warm, 0)), fcp_ms: Math.round(times[0].fcp ?? -1),
      redraw_median_ms: [...times.redrawMs].sort((a, b) => a - b)[5],
    }));
  } finally {
    await browser.close();
    await oasis.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
