// Live camera video: a player for a camera's relayed HLS stream
// (GET /api/v1/cameras/ID/live.m3u8, the session cookie as credential),
// through hls.js (vendored from npm, loaded when the first player starts)
// or the browser's own HLS where it has one (Safari); and the overview's
// video wall: four cameras at a time (2 x 2); on a wall screen (kiosk mode)
// cycling through all of them when there are more, elsewhere with buttons
// for the next and previous four.

import { api } from './api.js';
import { t } from './i18n.js';
import { el } from './dom.js';

const HLS_URL = '/vendor/hls.light.min.mjs';
const WALL_SIZE = 4;
const WALL_CYCLE_MS = 20 * 1000;
const WALL_REFRESH_MS = 60 * 1000;
const RETRY_MS = 5000;
const REPLAY_MS = 10 * 60 * 1000;

let hlsModule = null;

/** hls.js's class, imported once; null where MSE is missing. */
async function hlsClass() {
  hlsModule ||= import(HLS_URL).then((m) => m.default).catch(() => null);
  const Hls = await hlsModule;
  return Hls && Hls.isSupported() ? Hls : null;
}

export function liveUrl(id) {
  return `/api/v1/cameras/${encodeURIComponent(id)}/live.m3u8`;
}

export function recordingUrl(id, from, to) {
  return `/api/v1/cameras/${encodeURIComponent(id)}/recording.m3u8?from=${from}&to=${to}`;
}

/**
 * A <video> playing one HLS URL, muted (so that browsers let it start by
 * itself); it tries again after a failure (a relay starting, a camera
 * coming back) until stop().
 */
export class VideoPlayer {
  constructor(url, { live = true, label = '' } = {}) {
    this.url = url;
    this.live = live;
    this.hls = null;
    this.retry = null;
    this.stopped = false;
    this.video = el('video', { class: 'video-player', muted: true, playsinline: true, autoplay: true,
      controls: !live, 'aria-label': label });
    this.video.muted = true;
    this.status = el('span', { class: 'video-status', text: t('video.connecting') });
    this.node = el('div', { class: 'video-box', dataset: { state: 'connecting' } }, this.video, this.status);
    this.video.addEventListener('playing', () => this.setState('playing'));
  }

  setState(state, text = '') {
    this.node.dataset.state = state;
    this.status.textContent = state === 'playing' ? '' : text || t('video.' + state);
  }

  async start() {
    if (this.stopped) return;
    const Hls = await hlsClass();
    if (this.stopped) return;
    if (!Hls && this.video.canPlayType('application/vnd.apple.mpegurl')) {
      this.video.src = this.url;
      this.video.addEventListener('error', () => this.again(), { once: true });
      return;
    }
    if (!Hls) {
      this.setState('unsupported');
      return;
    }
    const hls = (this.hls = new Hls({ enableWorker: false, lowLatencyMode: false,
      liveSyncDurationCount: 2,
      // a cold relay answers 503 until its first segment (about 2 s): ask again soon
      manifestLoadPolicy: { default: { maxTimeToFirstByteMs: 10000, maxLoadTimeMs: 20000,
        timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
        errorRetry: { maxNumRetry: 40, retryDelayMs: 250, maxRetryDelayMs: 500, backoff: 'linear' } } },
      xhrSetup: (xhr) => { xhr.withCredentials = true; } }));
    hls.on(Hls.Events.ERROR, (_ev, data) => {
      if (data.fatal) this.again(data.response?.code === 503 ? 'offline' : 'error');
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
    this.video.play().catch(() => {});
  }

  again(state = 'error') {
    if (this.stopped) return;
    this.setState(state);
    this.hls?.destroy();
    this.hls = null;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.start(), RETRY_MS);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute('src');
    this.video.load();
  }
}

/**
 * A camera in the plot detail: live, or the last minutes played back from
 * the recording (GET .../recording.m3u8?from=&to=), one button between them.
 */
export class CameraView {
  constructor(id, label) {
    this.id = id;
    this.label = label;
    this.player = null;
    this.box = el('div', { class: 'camera-view' });
    this.button = el('button', { type: 'button', class: 'chip camera-replay', onclick: () => this.toggle() });
    this.node = el('div', { class: 'camera-player' }, this.box, this.button);
  }

  start() {
    this.show(true);
  }

  toggle() {
    this.show(!this.live);
  }

  show(live) {
    this.player?.stop();
    this.live = live;
    const now = Date.now();
    const url = live ? liveUrl(this.id) : recordingUrl(this.id, now - REPLAY_MS, now);
    this.player = new VideoPlayer(url, { live, label: this.label });
    this.box.replaceChildren(this.player.node);
    this.node.dataset.mode = live ? 'live' : 'replay';
    this.button.textContent = t(live ? 'video.replay' : 'video.live');
    this.player.start();
  }

  stop() {
    this.player?.stop();
  }
}

/** The overview's video wall (section#p-video). */
export class VideoWall {
  /** root: section#p-video; onCameras(list): every refresh's cameras (the map's layer). */
  /** kiosk: a wall screen, which cycles by itself; elsewhere buttons page through. */
  constructor(root, onCameras = () => {}, { kiosk = false } = {}) {
    this.root = root;
    this.kiosk = kiosk;
    this.onCameras = onCameras;
    this.grid = root?.querySelector('.video-wall');
    this.pager = root?.querySelector('.video-pager');
    this.pager?.querySelector('.video-prev')?.addEventListener('click', () => this.page(-1));
    this.pager?.querySelector('.video-next')?.addEventListener('click', () => this.page(1));
    this.cameras = [];
    this.first = 0;
    this.players = [];
    this.timers = [];
  }

  async start() {
    if (!this.root) return;
    await this.refresh();
    this.timers.push(setInterval(() => this.refresh(), WALL_REFRESH_MS));
    if (this.kiosk) this.timers.push(setInterval(() => this.cycle(), WALL_CYCLE_MS));
  }

  async refresh() {
    let all = [];
    try {
      all = (await api('/cameras')).cameras;
    } catch {
      all = [];
    }
    this.onCameras(all);
    const list = all.filter((c) => c.stream_url);
    const ids = (cams) => cams.map((c) => c.id).join();
    const changed = ids(list) !== ids(this.cameras);
    this.cameras = list;
    this.root.hidden = list.length === 0;
    this.root.dataset.cycling = String(this.kiosk);
    if (this.pager) this.pager.hidden = this.kiosk || list.length <= WALL_SIZE;
    if (changed) this.show();
  }

  cycle() {
    this.page(1);
  }

  /** The next (+1) or previous (-1) four cameras, round the list. */
  page(step) {
    const n = this.cameras.length;
    if (n <= WALL_SIZE) return;
    this.first = (((this.first + step * WALL_SIZE) % n) + n) % n;
    this.show();
  }

  show() {
    this.players.forEach((p) => p.stop());
    const n = Math.min(WALL_SIZE, this.cameras.length);
    const shown = Array.from({ length: n }, (_, i) => this.cameras[(this.first + i) % this.cameras.length]);
    this.players = shown.map((c) => new VideoPlayer(liveUrl(c.id), { label: c.name || c.id }));
    this.grid.replaceChildren(...shown.map((c, i) => el('figure', { class: 'video-tile', dataset: { camera: c.id } },
      this.players[i].node,
      el('figcaption', { text: [c.name || c.id, c.plot].filter(Boolean).join(' · ') }))));
    this.players.forEach((p) => p.start());
  }

  stop() {
    this.timers.forEach((id) => clearInterval(id));
    this.timers = [];
    this.players.forEach((p) => p.stop());
    this.players = [];
  }
}
