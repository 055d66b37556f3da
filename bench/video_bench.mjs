// Live video, measured (docs/BENCHMARKS.md, "Live video"):
//  1. click to first frame in Chromium: cold (no relay runs: ffmpeg starts,
//     connects, writes the first segment) and warm (the relay runs),
//     alternating cold A, warm A, cold B, warm B, ...;
//  2. live latency: how far behind the relay's wall clock the picture
//     plays (Date.now() - hls.js playingDate, from EXT-X-PROGRAM-DATE-TIME),
//     4 s into playback and, steady, after --steady seconds (default 60) of
//     playback, sampled each second for 10 s (--steady 0 skips it;
//     --latency-only measures only this);
//  3. N relays (default 16) at ~2 Mbit/s: the CPU and memory of oasis
//     itself (not its ffmpeg children, counted apart) while N clients poll
//     the live playlists and fetch every segment, against the same server
//     with no relay, side by side.
//
//   node bench/video_bench.mjs [--relays 16] [--trials 5] [--seconds 30]
//                              [--steady 60] [--latency-only]
//
// The cameras are scripts/rtsp_source.py (GStreamer, Debian packages);
// OASIS_BIN names the server (default build/oasis).

import { spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Oasis, REPO, freePort, plotsGeoJSON } from '../tests/browser/lib/oasis.mjs';
import { launch, signIn } from '../tests/browser/lib/browser.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RELAYS = arg('relays', 16);
const TRIALS = arg('trials', 5);
const SECONDS = arg('seconds', 30);
const STEADY = arg('steady', 60);
const LATENCY_ONLY = process.argv.includes('--latency-only');
const TICK = 100; // clock ticks a second (getconf CLK_TCK)
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function source(port, mounts, extra) {
  const args = [join(REPO, 'scripts', 'rtsp_source.py'), '--port', String(port), ...extra];
  for (const m of mounts) args.push('--mount', m);
  const proc = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((ok, fail) => {
    proc.stdout.on('data', (c) => String(c).includes('ready') && ok());
    proc.on('exit', (c) => fail(new Error('source exited ' + c)));
  });
  proc.removeAllListeners('exit');
  return proc;
}

/** utime + stime (s) and RSS (MB) of one process; its children apart. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1];
  return { cpu: (Number(f[11]) + Number(f[12])) / TICK, rss: Number(rss) / 1024 };
}

/** The children of every thread of pid (the relays start from a thread). */
function children(pid) {
  return readdirSync(`/proc/${pid}/task`).flatMap((t) => {
    try {
      return readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  });
}

function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function firstFrames(oasis, ids) {
  const browser = await launch(['--autoplay-policy=no-user-gesture-required']);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  // a page of the origin without the screen (whose wall would play too)
  await page.goto(oasis.url + '/config.json');
  const play = (id) => page.evaluate(async (cam) => {
    const { VideoPlayer, liveUrl } = await import('/js/video.js');
    const p = new VideoPlayer(liveUrl(cam));
    document.body.append(p.node);
    const t0 = performance.now();
    await p.start();
    await new Promise((ok) => {
      const check = () => (p.video.currentTime > 0 ? ok() : p.video.requestVideoFrameCallback(check));
      p.video.requestVideoFrameCallback(check);
    });
    const ms = performance.now() - t0;
    await new Promise((ok) => setTimeout(ok, 4000));
    const behind = p.hls?.playingDate ? (Date.now() - p.hls.playingDate.getTime()) / 1000 : null;
    p.stop();
    p.node.remove();
    return { ms, behind };
  }, id);
  const cold = [], warm = [], behind = [];
  for (let i = 0; i < TRIALS; i++) {
    const id = ids[i % ids.length];
    await sleep(9000); // --video-idle 5: the relay has stopped
    const c = await play(id);
    const w = await play(id);
    cold.push(c.ms);
    warm.push(w.ms);
    if (w.behind !== null) behind.push(w.behind);
    console.log(`trial ${i + 1} ${id}: cold ${c.ms.toFixed(0)} ms, warm ${w.ms.toFixed(0)} ms, ` +
      `behind ${w.behind?.toFixed(2)} s`);
  }
  await browser.close();
  return { cold, warm, behind };
}

/**
 * Steady-state latency: one camera played for STEADY seconds, then
 * Date.now() - playingDate and hls.js's distance to the live edge
 * (hls.latency) sampled each second for 10 s.
 */
async function steadyLatency(oasis, id) {
  const browser = await launch(['--autoplay-policy=no-user-gesture-required']);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await signIn(page, oasis.url, 'admin', oasis.adminPassword);
  await page.goto(oasis.url + '/config.json');
  const out = await page.evaluate(async ({ cam, steadyMs }) => {
    const { VideoPlayer, liveUrl } = await import('/js/video.js');
    const p = new VideoPlayer(liveUrl(cam));
    document.body.append(p.node);
    await p.start();
    // when each segment appears in the relay's playlist (polled every 100 ms)
    const appeared = new Map();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const pl = await (await fetch(liveUrl(cam))).text().catch(() => '');
        for (const line of pl.split('\n').filter((l) => l.startsWith('hls/')))
          if (!appeared.has(line)) appeared.set(line, Date.now());
        await new Promise((ok) => setTimeout(ok, 100));
      }
    })();
    await new Promise((ok) => setTimeout(ok, steadyMs));
    const behind = [], edge = [], source = [];
    for (let i = 0; i < 10; i++) {
      if (p.hls?.playingDate) behind.push((Date.now() - p.hls.playingDate.getTime()) / 1000);
      if (Number.isFinite(p.hls?.latency)) edge.push(p.hls.latency);
      // the newest segment seen appearing that the player knows: the picture
      // is (its end - currentTime) behind that segment's last frame, which
      // the source sent at most the time of its appearance ago
      const frags = p.hls?.levels?.[p.hls.currentLevel]?.details?.fragments || [];
      const f = [...frags].reverse().find((x) => appeared.has(x.relurl) && appeared.get(x.relurl) > 0);
      if (f && appeared.size > 3) source.push((Date.now() - appeared.get(f.relurl)) / 1000 + (f.start + f.duration - p.video.currentTime));
      await new Promise((ok) => setTimeout(ok, 1000));
    }
    polling = false;
    await poll;
    const durs = (p.hls?.levels?.[p.hls.currentLevel]?.details?.fragments || []).map((x) => x.duration);
    const stalls = p.video.getVideoPlaybackQuality?.().droppedVideoFrames ?? null;
    p.stop();
    return { behind, edge, source, durs, dropped: stalls };
  }, { cam: id, steadyMs: STEADY * 1000 });
  await browser.close();
  return out;
}

/** A client per camera polling its playlist each second, fetching new segments. */
function viewers(oasis, ids, until) {
  return Promise.all(ids.map(async (id) => {
    const seen = new Set();
    let bytes = 0;
    const h = { Authorization: 'Bearer ' + oasis.adminToken };
    while (Date.now() < until) {
      try {
        const pl = await (await fetch(`${oasis.url}/api/v1/cameras/${id}/live.m3u8`, { headers: h })).text();
        for (const line of pl.split('\n').filter((l) => l.startsWith('hls/'))) {
          if (seen.has(line)) continue;
          seen.add(line);
          bytes += (await (await fetch(`${oasis.url}/api/v1/cameras/${id}/${line}`, { headers: h })).arrayBuffer()).byteLength;
        }
      } catch { /* a relay starting */ }
      await sleep(1000);
    }
    return bytes;
  }));
}

async function relayLoad(oasis, ids) {
  const pid = oasis.proc.pid;
  const idle0 = usage(pid);
  await sleep(SECONDS * 1000);
  const idle1 = usage(pid);
  const warmUntil = Date.now() + 8000;
  await viewers(oasis, ids, warmUntil); // start every relay
  const k0 = children(pid).map((c) => ({ c, u: usage(c) }));
  const b0 = usage(pid);
  const t0 = Date.now();
  const bytes = await viewers(oasis, ids, Date.now() + SECONDS * 1000);
  const secs = (Date.now() - t0) / 1000;
  const b1 = usage(pid);
  const k1 = new Set(children(pid));
  const kids = k0.filter(({ c }) => k1.has(c)).map(({ c, u }) => usage(c).cpu - u.cpu);
  const total = bytes.reduce((a, b) => a + b, 0);
  return {
    idleCpu: (idle1.cpu - idle0.cpu) / SECONDS * 100, idleRss: idle1.rss,
    cpu: (b1.cpu - b0.cpu) / secs * 100, rss: b1.rss, relays: k0.length,
    ffmpegCpu: kids.reduce((a, b) => a + b, 0) / secs * 100,
    mbits: total * 8 / secs / 1e6 / ids.length,
  };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[(s.length - 1) >> 1] : NaN; };

async function main() {
  const port = await freePort();
  const ids = Array.from({ length: RELAYS }, (_, i) => `cam-${String(i + 1).padStart(2, '0')}`);
  const src = await source(port, ids, ['--size', '480x270', '--fps', '15', '--pattern', 'snow', '--bitrate', '2000']);
  const oasis = new Oasis().init();
  const fc = plotsGeoJSON(2);
  oasis.importPlots(fc);
  // --video-idle 5: a relay stops 5 s after its viewer, for cold starts;
  // --video-record=off: no camera is relayed unwatched (a recorded camera's
  // relay runs all the time: it starts as the warm figure says)
  oasis.port = await freePort();
  oasis.proc = spawn(process.env.OASIS_BIN || join(REPO, 'build', 'oasis'), ['serve', '--data', oasis.data,
    '--listen', `127.0.0.1:${oasis.port}`, '--web', join(REPO, 'web'), '--video-idle', '5',
    '--snapshot-every', '0', '--max-relays', String(RELAYS), '--video-record=off'],
    { stdio: ['ignore', 'pipe', openSync(join(oasis.dir, 'server.log'), 'a')] });
  await new Promise((ok) => oasis.proc.stdout.on('data', (c) => String(c).includes('serving') && ok()));
  for (const id of ids) {
    await oasis.device(id, 'camera', fc.features[0].properties.code);
    await oasis.api('PUT', `/devices/${id}/equipment`, { stream_url: `rtsp://127.0.0.1:${port}/${id}` });
  }
  console.log(`load average before: ${loadavg()}`);
  if (STEADY > 0) {
    const st = await steadyLatency(oasis, ids[0]);
    const range = (a) => `median ${median(a).toFixed(2)} s (${Math.min(...a).toFixed(2)} to ${Math.max(...a).toFixed(2)})`;
    console.log(`steady live latency after ${STEADY} s of playback: behind the source (segment appearance) ` +
      `${range(st.source)}; behind the relay's clock ${range(st.behind)}; ` +
      `behind the live edge (hls.latency) ${range(st.edge)}; segments ${st.durs.map((d) => d.toFixed(2)).join(' ')} s; dropped frames ${st.dropped}; load ${loadavg()}`);
    if (LATENCY_ONLY) {
      await oasis.close();
      src.kill('SIGTERM');
      return;
    }
  }
  const ff = await firstFrames(oasis, ids.slice(0, 2));
  console.log(`first frame: cold median ${median(ff.cold).toFixed(0)} ms (max ${Math.max(...ff.cold).toFixed(0)}), ` +
    `warm median ${median(ff.warm).toFixed(0)} ms (max ${Math.max(...ff.warm).toFixed(0)}); ` +
    `behind the relay's clock median ${median(ff.behind).toFixed(2)} s`);
  const r = await relayLoad(oasis, ids);
  if (process.env.VIDEO_BENCH_LOG) console.log(readFileSync(join(oasis.dir, 'server.log'), 'utf8').split('\n')
    .filter((l) => /video/.test(l)).slice(-30).join('\n'));
  console.log(`oasis with no relay: ${r.idleCpu.toFixed(2)} % of a core, RSS ${r.idleRss.toFixed(1)} MB`);
  console.log(`oasis with ${r.relays} relays, ${RELAYS} viewers at ${r.mbits.toFixed(2)} Mbit/s each: ` +
    `${r.cpu.toFixed(2)} % of a core, RSS ${r.rss.toFixed(1)} MB; the ffmpeg children together ` +
    `${r.ffmpegCpu.toFixed(1)} % of a core`);
  console.log(`load average after: ${loadavg()}`);
  await oasis.close();
  src.kill('SIGTERM');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
