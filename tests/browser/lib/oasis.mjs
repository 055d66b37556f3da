// A real `oasis serve` for the browser tests and benchmarks: a fresh store
// (oasis init), plots imported from a GeoJSON written here, devices and
// points sent through the API, the server on a free loopback port.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, copyFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const OASIS_BIN = process.env.OASIS_BIN || join(REPO, 'build', 'oasis');
export const ORIGIN = [86.18, 44.28];

/** A free loopback port (closed again, for the server to take). */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * n rectangular plots on a grid of `cols` columns, each about 150-250 mu,
 * coded 652324 + township + plot number; cotton but every fourth maize.
 */
export function plotsGeoJSON(n, cols = Math.ceil(Math.sqrt(n * 1.6))) {
  const w = 0.0046, h = 0.0028, gap = 0.0006;
  const features = [];
  for (let i = 0; i < n; i++) {
    const col = i % cols, row = Math.floor(i / cols);
    const x = ORIGIN[0] + col * (w + gap), y = ORIGIN[1] + row * (h + gap);
    const shrink = 1 - ((i * 37) % 23) / 100;
    const township = 1 + Math.floor(i / 1000);
    const code = `652324${String(township).padStart(3, '0')}${String((i % 1000) + 1).padStart(4, '0')}`;
    features.push({
      type: 'Feature',
      properties: {
        code, name: `试验地 ${i + 1}号`, crop: i % 4 === 3 ? 'maize' : 'cotton',
        variety: '新陆早57号', sowing_date: '2026-04-15', irrigation: 'drip_under_film', soil_texture: 'loam',
        field_capacity: 0.31, wilting_point: 0.13,
      },
      geometry: {
        type: 'Polygon',
        coordinates: [[[x, y], [x + w * shrink, y], [x + w * shrink, y + h], [x, y + h], [x, y]]],
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

export class Oasis {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'oasis-web-'));
    this.data = join(this.dir, 'store');
    this.proc = null;
    this.port = null;
  }

  /** oasis init; returns the admin's password and keeps an admin token. */
  init() {
    const out = this.cli(['init']);
    const m = /admin login: (\S+) \/ (\S+)/.exec(out);
    if (!m) throw new Error('oasis init printed no login: ' + out);
    this.adminPassword = m[2];
    this.adminToken = this.cli(['token', 'create', '--role', 'admin', '--name', 'browser-tests']).trim();
    return this;
  }

  cli(args) {
    return execFileSync(OASIS_BIN, [...args, '--data', this.data], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  importPlots(fc) {
    const file = join(this.dir, 'plots.geojson');
    writeFileSync(file, JSON.stringify(fc));
    this.cli(['plots', 'import', file]);
  }

  /** Start serving on port (a free one if not given); resolves once it listens. */
  async start(port) {
    this.port = port || this.port || (await freePort());
    const log = openSync(join(this.dir, 'server.log'), 'a');
    this.proc = spawn(OASIS_BIN, ['serve', '--data', this.data, '--listen', `127.0.0.1:${this.port}`,
      '--web', join(REPO, 'web'), '--allow-unknown-metrics'], { stdio: ['ignore', 'pipe', log] });
    closeSync(log);
    const proc = this.proc;
    await new Promise((ok, fail) => {
      let seen = '';
      const timer = setTimeout(() => fail(new Error('oasis serve did not start: ' + seen)), 20000);
      proc.stdout.on('data', (chunk) => {
        seen += chunk;
        if (/http:\/\/127\.0\.0\.1:\d+\//.test(seen)) {
          clearTimeout(timer);
          ok();
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`oasis serve exited (${code}): ${seen}`));
      });
    });
    proc.stdout.resume();
    proc.removeAllListeners('exit');
    return this;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stop the server (SIGTERM, then SIGKILL after 20 s). */
  async stop() {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    if (proc.exitCode !== null) return;
    await new Promise((ok) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20000);
      proc.on('exit', () => {
        clearTimeout(timer);
        ok();
      });
      proc.kill('SIGTERM');
    });
  }

  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Call the API as admin (or with another token); JSON in and out. */
  async api(method, path, body, token = this.adminToken) {
    const res = await fetch(this.url + '/api/v1' + path, {
      method,
      headers: { Authorization: 'Bearer ' + token, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return data;
  }

  async device(id, kind, plot) {
    return this.api('POST', '/devices', { id, kind, ...(plot ? { plot } : {}) });
  }

  /** Send readings: [{device, ts, values}] as NDJSON. */
  async telemetry(items) {
    const body = items.map((x) => JSON.stringify(x)).join('\n');
    return this.api('POST', '/telemetry', body);
  }

  async token(role, name) {
    return this.api('POST', '/tokens', { name, role });
  }

  async user(username, role, password) {
    return this.api('POST', '/users', { username, role, password });
  }
}

/**
 * A small base for the tests: `n` plots, a soil probe (10, 20, 40 cm) on
 * each, a valve on the first three, two weather stations, a tractor at
 * work, and 24 hours of readings.
 */
export async function seedBase(oasis, n) {
  const fc = plotsGeoJSON(n);
  oasis.importPlots(fc);
  const codes = fc.features.map((f) => f.properties.code);
  const probes = codes.map((code, i) => ({ id: `sp-${i + 1}`, plot: code }));
  for (const p of probes) await oasis.device(p.id, 'soil_probe', p.plot);
  for (let i = 0; i < Math.min(3, n); i++) await oasis.device(`vl-${i + 1}`, 'valve', codes[i]);
  await oasis.device('trac-1', 'tractor');
  await oasis.device('ws-1', 'weather_station', codes[0]);
  await oasis.device('ws-2', 'weather_station', codes[n - 1]);
  const now = Date.now();
  const items = [];
  for (let h = 24; h >= 0; h--) {
    const ts = now - h * 3600e3 - 60e3;
    probes.forEach((p, i) => items.push({
      device: p.id, ts,
      values: {
        moisture_10cm: 14 + (i * 7) % 22 + h * 0.05, moisture_20cm: 16 + (i * 5) % 20, moisture_40cm: 20 + (i % 9),
        soil_temp_10cm: 18 + Math.sin(h / 4),
      },
    }));
    for (const [k, ws] of ['ws-1', 'ws-2'].entries())
      items.push({
        device: ws, ts,
        values: { air_temp: 20 + k + Math.sin(h / 4) * 6, rh: 40 + k * 4, wind_speed: 2 + k, wind_dir: 300 + k * 20, solar_rad: 300, pressure: 960, rain: 0 },
      });
    for (let i = 0; i < Math.min(3, n); i++) items.push({ device: `vl-${i + 1}`, ts, values: { valve_state: h % 6 === 0 ? 1 : 0 } });
  }
  const f = fc.features[Math.min(5, n - 1)].geometry.coordinates[0][0];
  items.push({ device: 'trac-1', ts: now - 30e3, values: { longitude: f[0] + 0.001, latitude: f[1] + 0.001, heading: 90, speed: 2, working: 1 } });
  for (let i = 0; i < items.length; i += 2000) await oasis.telemetry(items.slice(i, i + 2000));
  return { fc, codes };
}

/**
 * Monitoring for the tests: a frost rule on the first plot (at once, no
 * waiting time) and two freezing readings of a thermometer of its own
 * there (ws-frost, which no other test writes to), which open a critical
 * alert.  Returns the rule.
 */
export async function seedFrost(oasis, codes) {
  await oasis.device('ws-frost', 'weather_station', codes[0]);
  const rule = await oasis.api('POST', '/rules', { template: 'frost', plot: codes[0], for_s: 0 });
  const now = Date.now();
  await oasis.telemetry([{ device: 'ws-frost', ts: now - 20e3, values: { air_temp: 1.0 } }]);
  await oasis.telemetry([{ device: 'ws-frost', ts: now - 10e3, values: { air_temp: 0.0 } }]);
  return rule;
}

/**
 * Two satellite scenes over the base (red and NIR bands written by GDAL's
 * gdal_create, gdal-bin), uploaded through POST /api/v1/imagery: NDVI 0.72
 * everywhere ten days ago, and three days ago the same but for plot
 * `dropped`, whose NIR gdal_rasterize lowers (NDVI 0.30: flagged).
 */
export async function seedImagery(oasis, fc, dropped) {
  const box = unionOf(fc.features.map((f) => f.geometry.coordinates[0]));
  const m = 0.005;
  const [w, s, e, n] = [box[0] - m, box[1] - m, box[2] + m, box[3] + m];
  const size = [Math.round((e - w) / 0.0001), Math.round((n - s) / 0.0001)];
  const first = join(oasis.dir, 'scene1.tif'), second = join(oasis.dir, 'scene2.tif');
  const one = join(oasis.dir, 'dropped.geojson');
  execFileSync('gdal_create', ['-q', '-of', 'GTiff', '-ot', 'Float32', '-outsize', String(size[0]), String(size[1]),
    '-bands', '2', '-burn', '0.08', '-burn', '0.5', '-a_srs', 'EPSG:4326',
    '-a_ullr', String(w), String(n), String(e), String(s), first]);
  copyFileSync(first, second);
  writeFileSync(one, JSON.stringify({ type: 'FeatureCollection',
    features: fc.features.filter((f) => f.properties.code === dropped) }));
  execFileSync('gdal_rasterize', ['-q', '-b', '2', '-burn', '0.15', one, second]);
  const day = 86400e3, now = Date.now();
  const scenes = [];
  for (const [file, ago] of [[first, 10 * day], [second, 3 * day]]) {
    const q = new URLSearchParams({ source: 'sentinel-2a', acquired: new Date(now - ago).toISOString(), red: '1', nir: '2' });
    const res = await fetch(`${oasis.url}/api/v1/imagery?${q}`, {
      method: 'POST', headers: { Authorization: 'Bearer ' + oasis.adminToken, 'Content-Type': 'application/octet-stream' },
      body: readFileSync(file),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST /imagery: ${res.status} ${text}`);
    scenes.push(JSON.parse(text));
  }
  return scenes;
}

function unionOf(rings) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of rings)
    for (const [x, y] of ring) {
      b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y);
      b[2] = Math.max(b[2], x); b[3] = Math.max(b[3], y);
    }
  return b;
}
