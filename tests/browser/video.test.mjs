// Live video on the big screen in a real browser: a GStreamer RTSP camera
// (scripts/rtsp_source.py, Debian packages) relayed by the server to HLS and
// played through hls.js in Chromium, on the overview's video wall and in the
// plot's detail: the video's clock advances (frames are decoded).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Oasis, REPO, freePort, plotsGeoJSON } from './lib/oasis.mjs';
import { launch, signIn, mapEval } from './lib/browser.mjs';

let oasis, browser, source, code;

async function startSource(port) {
  const proc = spawn('/usr/bin/python3', [join(REPO, 'scripts', 'rtsp_source.py'), '--port', String(port),
    '--mount', 'cam', '--size', '320x180', '--fps', '10'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the RTSP source did not start')), 20000);
    proc.stdout.on('data', (chunk) => {
      if (String(chunk).includes('ready')) {
        clearTimeout(timer);
        ok();
      }
    });
    proc.on('exit', (c) => fail(new Error('the RTSP source exited: ' + c)));
  });
  proc.removeAllListeners('exit');
  return proc;
}

before(async () => {
  const port = await freePort();
  source = await startSource(port);
  oasis = new Oasis().init();
  const fc = plotsGeoJSON(2);
  code = fc.features[0].properties.code;
  oasis.importPlots(fc);
  await oasis.start();
  await oasis.device('cam-live', 'camera', code);
  await oasis.api('PUT', '/devices/cam-live/equipment', { stream_url: `rtsp://viewer:pw@127.0.0.1:${port}/cam` });
  browser = await launch(['--autoplay-policy=no-user-gesture-required']);
});

after(async () => {
  await browser?.close();
  await oasis?.close();
  source?.kill('SIGTERM');
});

/** The video's clock, twice 1.5 s apart: it must have moved on. */
async function advances(page, selector) {
  await page.waitForFunction((sel) => {
    const v = document.querySelector(sel);
    return v && v.currentTime > 0 && v.readyState >= 2;
  }, selector, { timeout: 30000 });
  const t0 = await page.$eval(selector, (v) => v.currentTime);
  await page.waitForTimeout(1500);
  const t1 = await page.$eval(selector, (v) => v.currentTime);
  assert.ok(t1 > t0, `the video stood still at ${t0} -> ${t1}`);
  const size = await page.$eval(selector, (v) => [v.videoWidth, v.videoHeight]);
  assert.deepEqual(size, [320, 180]);
}

test('the video wall plays the live stream', async () => {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-US' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.stack || e.message));
  const t0 = Date.now();
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  await page.waitForSelector('#p-video:not([hidden]) .video-tile[data-camera="cam-live"] video');
  await advances(page, '#p-video .video-tile[data-camera="cam-live"] video');
  console.log(`# first frame on the wall ${Date.now() - t0} ms after signing in began`);
  // the camera is on the map too, at its plot, in its state's colour
  const cams = await mapEval(page, (chart) => chart.getOption().series.find((x) => x.id === 'cameras').data
    .map((d) => ({ name: d.name, plot: d.plot })));
  assert.deepEqual(cams, [{ name: 'cam-live', plot: code }]);
  // the plot's detail plays it too (the relay is warm now)
  await page.fill('.map-search input', code);
  await page.click('.map-search [type=submit]');
  await page.waitForSelector(`#detail[data-code="${code}"] .camera[data-camera="cam-live"] video`);
  const t1 = Date.now();
  await advances(page, '#detail .camera[data-camera="cam-live"] video');
  console.log(`# detail player (warm) playing ${Date.now() - t1} ms after opening`);
  // the last minutes, played back from the recording, and back to live
  await page.click('#detail .camera[data-camera="cam-live"] .camera-replay');
  await page.waitForSelector('#detail .camera-player[data-mode=replay] video');
  await advances(page, '#detail .camera[data-camera="cam-live"] video');
  await page.click('#detail .camera[data-camera="cam-live"] .camera-replay');
  await page.waitForSelector('#detail .camera-player[data-mode=live] video');
  assert.deepEqual(errors, []);
  await context.close();
});

/** ms as YYYY-MM-DDTHH:MM in zone (what a datetime-local input holds). */
function inZone(ms, zone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(new Date(ms)).map(({ type, value }) => [type, value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

test('a range picked in the plot detail is the range the recording playlist asks for', async () => {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-US' });
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith('/cameras/cam-live/recording.m3u8'))
      asked.push({ from: Number(u.searchParams.get('from')), to: Number(u.searchParams.get('to')) });
  });
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  await page.fill('.map-search input', code);
  await page.click('.map-search [type=submit]');
  const cam = `#detail[data-code="${code}"] .camera[data-camera="cam-live"]`;
  await page.waitForSelector(`${cam} .camera-player[data-mode=live]`);
  assert.equal(await page.isVisible(`${cam} .camera-range`), false);
  // replay: the last 10 minutes at first, the picker shown with that range
  await page.click(`${cam} .camera-replay`);
  await page.waitForSelector(`${cam} .camera-player[data-mode=replay] .camera-range:not([hidden])`);
  for (let i = 0; i < 50 && !asked.length; i++) await page.waitForTimeout(100);
  assert.ok(asked.length >= 1, 'no recording playlist was asked for');
  assert.equal(asked[0].to - asked[0].from, 10 * 60 * 1000);
  assert.ok(Math.abs(asked[0].to - Date.now()) < 60000, JSON.stringify(asked[0]));
  assert.equal(await page.textContent(`${cam} .camera-range-play`), '播放该时段');
  assert.equal(await page.textContent(`${cam} .camera-replay`), '返回直播');
  // the screen's clock is the site's zone, not the browser's
  const zone = await page.evaluate(async () => (await import('/js/format.js')).currentSiteZone());
  const now = Date.now();
  const from = Math.floor(now / 60000) * 60000 - 15 * 60000;
  const to = Math.floor(now / 60000) * 60000 + 60000;
  assert.equal(await page.inputValue(`${cam} input[name=to]`), inZone(to, zone));
  // the end before the start: refused, nothing asked
  await page.fill(`${cam} input[name=from]`, inZone(to, zone));
  await page.fill(`${cam} input[name=to]`, inZone(from, zone));
  await page.click(`${cam} .camera-range-play`);
  await page.waitForSelector(`${cam} .camera-range[data-invalid=true]`);
  assert.equal(await page.textContent(`${cam} .camera-range-message`), '结束时间须晚于开始时间');
  // in English too (the detail is drawn again: live, then replay again)
  await page.click('#screen .lang-switch');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Replay', `${cam} .camera-replay`);
  await page.click(`${cam} .camera-replay`);
  await page.waitForSelector(`${cam} .camera-player[data-mode=replay] .camera-range:not([hidden])`);
  assert.equal(await page.textContent(`${cam} .camera-range-play`), 'Play this range');
  assert.equal(await page.textContent(`${cam} .camera-range label`), 'From');
  await page.fill(`${cam} input[name=from]`, inZone(to, zone));
  await page.fill(`${cam} input[name=to]`, inZone(from, zone));
  await page.click(`${cam} .camera-range-play`);
  await page.waitForSelector(`${cam} .camera-range[data-invalid=true]`);
  assert.equal(await page.textContent(`${cam} .camera-range-message`), 'The end must come after the start');
  assert.ok(!asked.some((a) => a.from >= a.to), JSON.stringify(asked));
  assert.ok(!asked.some((a) => a.from >= a.to), JSON.stringify(asked));
  // from 15 minutes ago to the next minute: asked for exactly that, and it plays
  await page.fill(`${cam} input[name=from]`, inZone(from, zone));
  await page.fill(`${cam} input[name=to]`, inZone(to, zone));
  await page.click(`${cam} .camera-range-play`);
  await page.waitForSelector(`${cam} .camera-range[data-invalid=false]`);
  const want = { from, to };
  for (let i = 0; i < 50 && !asked.some((a) => a.from === want.from && a.to === want.to); i++)
    await page.waitForTimeout(100);
  assert.deepEqual(asked[asked.length - 1], want);
  await advances(page, `${cam} video`);
  assert.equal(await page.textContent(`${cam} .camera-range-message`), '');
  await context.close();
});

/** The cameras on the wall now, in order. */
function wallCameras(page) {
  return page.$$eval('#p-video .video-tile', (tiles) => tiles.map((t) => t.dataset.camera));
}

test('the wall pages with buttons, and cycles by itself only on a wall screen', async () => {
  const dead = await freePort(); // nothing listens: these cameras stay dark
  for (const id of ['cam-b', 'cam-c', 'cam-d', 'cam-e']) {
    await oasis.device(id, 'camera', code);
    await oasis.api('PUT', `/devices/${id}/equipment`, { stream_url: `rtsp://127.0.0.1:${dead}/x` });
  }
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-US' });
  const page = await context.newPage();
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  await page.waitForSelector('#p-video:not([hidden]) .video-pager:not([hidden])');
  assert.equal(await page.$eval('#p-video', (s) => s.dataset.cycling), 'false');
  const first = await wallCameras(page);
  assert.equal(first.length, 4);
  assert.equal(await page.textContent('#p-video .video-next'), '下四路');
  await page.click('#screen .lang-switch');
  await page.waitForFunction(() => document.querySelector('#p-video .video-next').textContent === 'Next four');
  await page.click('#p-video .video-next');
  const second = await wallCameras(page);
  assert.notDeepEqual(second, first);
  assert.ok(second.includes('cam-live') !== first.includes('cam-live') || second[0] !== first[0]);
  await page.click('#p-video .video-prev');
  assert.deepEqual(await wallCameras(page), first);
  await context.close();
  // a wall screen (kiosk token): no buttons, the wall cycles
  const token = await oasis.token('viewer', 'wall');
  const kiosk = await (await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })).newPage();
  await kiosk.goto(`${oasis.url}/#kiosk=${token.token}`);
  await kiosk.waitForSelector('#p-video[data-cycling=true]:not([hidden]) .video-tile');
  assert.equal(await kiosk.$eval('#p-video .video-pager', (p) => p.hidden), true);
  await kiosk.reload(); // the kiosk cookie outlives the address: still a wall screen
  await kiosk.waitForSelector('#p-video[data-cycling=true]:not([hidden]) .video-tile');
  await kiosk.context().close();
});
