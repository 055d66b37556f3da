// screen_heapdiff.mjs T1 T2 [--demo]: what the big screen's JS heap gains
// under live load between T1 and T2 seconds, by object type.
//
// The setup of screen_soak.mjs (60 plots, a plot's detail open, 10 writes
// a second of every probe's readings, through the API); at T1 and T2 a heap
// snapshot after garbage collection (CDP HeapProfiler), and the 25 object
// types (V8's "type:name") whose total size grew most.  With --demo the
// load is `oasis demo --speed 60` instead (see screen_soak.mjs).

import { Oasis, seedBase } from '../tests/browser/lib/oasis.mjs';
import { launch, signIn } from '../tests/browser/lib/browser.mjs';
import { startDemo } from './screen_demo.mjs';

const T1 = Number(process.argv[2] || 60);
const T2 = Number(process.argv[3] || 300);
const PLOTS = 60;
const DEMO = process.argv.includes('--demo');

async function snapshot(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const chunks = [];
  const take = (e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', take);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', take);
  const snap = JSON.parse(chunks.join(''));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [ti, ni, si] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const byType = new Map();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const key = types[snap.nodes[i + ti]] + ':' + snap.strings[snap.nodes[i + ni]].slice(0, 60);
    const a = byType.get(key) || [0, 0];
    a[0]++;
    a[1] += snap.nodes[i + si];
    byType.set(key, a);
  }
  return byType;
}

/** A seeded base and a pusher, as screen_soak.mjs does by default. */
async function seeded() {
  const oasis = new Oasis().init();
  await oasis.start();
  const base = await seedBase(oasis, PLOTS);
  let stop = false;
  let pushing = null;
  return {
    url: oasis.url, user: 'admin', password: oasis.adminPassword, code: base.codes[0],
    start() {
      pushing = (async () => {
        for (let k = 0; !stop; k++) {
          const ts = Date.now();
          const items = Array.from({ length: PLOTS }, (_, i) => ({
            device: 'sp-' + (i + 1), ts, values: { moisture_10cm: 15 + ((i + k) % 20), moisture_20cm: 18, soil_temp_10cm: 12 },
          }));
          await oasis.telemetry(items).catch(() => {});
          await new Promise((ok) => setTimeout(ok, 100));
        }
      })();
    },
    async close() {
      stop = true;
      await pushing;
      await oasis.close();
    },
  };
}

async function main() {
  const base = DEMO ? { ...(await startDemo(60)), start() {} } : await seeded();
  const browser = await launch();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await signIn(page, base.url, base.user, base.password);
    const code = base.code || (await page.evaluate(async () =>
      (await (await fetch('/api/v1/plots')).json()).features[0].properties.code));
    await page.fill('.map-search input', code);
    await page.click('.map-search button');
    await page.waitForSelector('#detail[data-state=ready]');
    const cdp = await page.context().newCDPSession(page);
    base.start();
    await new Promise((ok) => setTimeout(ok, T1 * 1000));
    const a = await snapshot(cdp);
    await new Promise((ok) => setTimeout(ok, (T2 - T1) * 1000));
    const b = await snapshot(cdp);
    const grown = [...b.entries()].map(([k, [n, size]]) => [k, n - (a.get(k)?.[0] || 0), size - (a.get(k)?.[1] || 0)])
      .sort((x, y) => y[2] - x[2]).slice(0, 25);
    console.log(`heap growth from ${T1} s to ${T2} s, by type (count, bytes):`);
    for (const [k, n, size] of grown) console.log(`${String(size).padStart(9)}  ${String(n).padStart(6)}  ${k}`);
  } finally {
    await browser.close();
    await base.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
