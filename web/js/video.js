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
import { fromSiteInput, siteInputValue } from './format.js';

const HLS_URL = '/vendor/hls.light.min.mjs';
const WALL_SIZE = 4;
const WALL_CYCLE_MS = 20 * 1000;
const WALL_REFRESH_MS = 60 * 1000;
const RETRY_MS = 5000;
const REPLAY_MS = 10 * 60 * 1000;   // the replay's default range: the last 10 minutes
const KEPT_MS = 24 * 3600 * 1000;    // what the server keeps by default (--video-keep)
const MINUTE = 60 * 1000;

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
      // a cold relay answers 503 until its first segment (about 1.3 s): ask
      // again every 200 ms (a 503 costs the server nothing: no worker waits)
      manifestLoadPolicy: { default: { maxTimeToFirstByteMs: 10000, maxLoadTimeMs: 20000,
        timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
        errorRetry: { maxNumRetry: 75, retryDelayMs: 200, maxRetryDelayMs: 200, backoff: 'linear' } } },
      xhrSetup: (xhr) => { xhr.withCredentials = true; } }));
    hls.on(Hls.Events.ERROR, (_ev, data) => {
      if (!data.fatal) return;
      if (!this.live && data.response?.code === 404) this.fail('no_recording');
      else this.again(data.response?.code === 503 ? 'offline' : 'error');
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
    this.video.play().catch(() => {});
  }

  /** A failure that retrying does not mend (no recording in the range). */
  fail(state) {
    this.setState(state);
    this.hls?.destroy();
    this.hls = null;
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
 * A camera in the plot detail: live, or a time range played back from the
 * recording (GET .../recording.m3u8?from=&to=): one button between them;
 * in replay a picker of the range (from, to: within the kept 24 h, in the
 * site's time zone, to the minute), the last 10 minutes at first.
 */
export class CameraView {
  constructor(id, label) {
    this.id = id;
    this.label = label;
    this.player = null;
    this.box = el('div', { class: 'camera-view' });
    this.button = el('button', { type: 'button', class: 'chip camera-replay', onclick: () => this.toggle() });
    this.from = el('input', { type: 'datetime-local', name: 'from', required: true });
    this.to = el('input', { type: 'datetime-local', name: 'to', required: true });
    // labelled through data-i18n: a language switch re-labels them
    const caption = (key) => el('span', { dataset: { i18n: key }, text: t(key) });
    this.playButton = el('button', { type: 'submit', class: 'chip camera-range-play',
      dataset: { i18n: 'video.play_range' }, text: t('video.play_range') });
    this.message = el('span', { class: 'camera-range-message muted', role: 'status' });
    this.range = el('form', { class: 'camera-range', hidden: true, onsubmit: (ev) => {
      ev.preventDefault();
      this.playRange();
    } },
    el('label', {}, caption('video.from'), this.from), el('label', {}, caption('video.to'), this.to),
    this.playButton, this.message);
    this.node = el('div', { class: 'camera-player' }, this.box,
      el('div', { class: 'camera-controls' }, this.button, this.range));
  }

  start() {
    this.show(true);
  }

  toggle() {
    this.show(!this.live);
  }

  /** Live, or (live false) the default range: the last 10 minutes. */
  show(live) {
    this.live = live;
    this.node.dataset.mode = live ? 'live' : 'replay';
    this.button.dataset.i18n = live ? 'video.replay' : 'video.live';
    this.button.textContent = t(this.button.dataset.i18n);
    this.range.hidden = live;
    this.say('');
    if (live) {
      this.play(liveUrl(this.id));
      return;
    }
    const now = Date.now();
    const end = Math.ceil(now / MINUTE) * MINUTE;
    this.from.min = this.to.min = siteInputValue(Math.ceil((now - KEPT_MS) / MINUTE) * MINUTE);
    this.from.max = this.to.max = siteInputValue(end);
    this.from.value = siteInputValue(end - REPLAY_MS);
    this.to.value = siteInputValue(end);
    this.play(recordingUrl(this.id, now - REPLAY_MS, now));
  }

  /** The range the picker holds, checked: within the kept 24 h, from before to. */
  playRange() {
    const from = fromSiteInput(this.from.value);
    const to = fromSiteInput(this.to.value);
    const now = Date.now();
    let problem = '';
    if (!Number.isFinite(from) || !Number.isFinite(to)) problem = 'video.range_missing';
    else if (to <= from) problem = 'video.range_order';
    else if (from < now - KEPT_MS - MINUTE || from > now) problem = 'video.range_kept';
    this.say(problem);
    if (!problem) this.play(recordingUrl(this.id, from, to));
  }

  /** A message under the picker (an i18n key; '' none). */
  say(key) {
    this.message.dataset.i18n = key;
    this.message.textContent = key ? t(key) : '';
    this.range.dataset.invalid = String(Boolean(key));
  }

  play(url) {
    this.player?.stop();
    this.player = new VideoPlayer(url, { live: this.live, label: this.label });
    this.box.replaceChildren(this.player.node);
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
