// screenshot.mjs [OUT.png] [--layer LAYER] [--wait SECONDS] [--speed X]:
// the README's picture of the big screen.  Starts `oasis demo` (at --speed
// X, default 1: the live feed at the wall clock's pace, as `make demo`) in
// a fresh folder (OASIS_BIN, default build/oasis), signs in as the demo's
// admin at 1920x1080, picks the map layer (default moisture), lets the
// live feed run WAIT seconds (default 30) and writes the screen to OUT.png
// (default docs/img/big-screen.png).

import { launch, signIn } from '../tests/browser/lib/browser.mjs';
import { startDemo } from '../bench/screen_demo.mjs';

const argv = process.argv.slice(2);
const opt = { out: 'docs/img/big-screen.png', layer: 'moisture', wait: 30, speed: 1 };
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--layer') opt.layer = argv[++i];
  else if (argv[i] === '--wait') opt.wait = Number(argv[++i]);
  else if (argv[i] === '--speed') opt.speed = Number(argv[++i]);
  else if (argv[i].startsWith('--')) throw new Error('unknown option ' + argv[i]);
  else opt.out = argv[i];
}

const demo = await startDemo(opt.speed);
const browser = await launch();
try {
  const page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
  await signIn(page, demo.url, demo.user, demo.password);
  await page.click(`[data-layer=${opt.layer}]`);
  await new Promise((ok) => setTimeout(ok, opt.wait * 1000));
  await page.screenshot({ path: opt.out });
  console.log(`${opt.out}: the demo base after ${opt.wait} s, layer ${opt.layer}`);
} finally {
  await browser.close();
  await demo.close();
}
