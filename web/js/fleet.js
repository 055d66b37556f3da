// A plot's cameras and field operations in its detail panel: each camera's
// stream link (RTSP, HLS or a WebRTC page, opened outside the page) and
// latest snapshot (GET /api/v1/plots/CODE/cameras, the image from
// GET /api/v1/devices/ID/snapshot), and the machinery's operations of the
// last 30 days (GET /api/v1/plots/CODE/operations).

import { api, ApiError } from './api.js';
import { t } from './i18n.js';
import { num, dateTime } from './format.js';
import { el } from './dom.js';
import { CameraView } from './video.js';

const SCHEMES = /^(rtsps?|https?):\/\//i;

/** What kind of stream a URL is, for its link's label. */
export function streamKind(url) {
  if (/^rtsps?:/i.test(url)) return 'RTSP';
  if (/\.m3u8(\?|$)/i.test(url)) return 'HLS';
  return 'Web';
}

export class PlotFleet {
  /** root: section#detail. */
  constructor(root) {
    this.cameraBox = root.querySelector('.camera-list');
    this.cameraEmpty = root.querySelector('[data-i18n="empty.camera"]');
    this.opsBox = root.querySelector('.operation-list');
    this.opsEmpty = root.querySelector('[data-i18n="empty.operations"]');
    this.cameras = [];
    this.operations = [];
    this.players = [];
  }

  async load(code, signal) {
    this.clear();
    const enc = encodeURIComponent(code);
    const [cams, ops] = await Promise.all([
      optional(api(`/plots/${enc}/cameras`, { signal })),
      optional(api(`/plots/${enc}/operations`, { signal })),
    ]);
    if (signal?.aborted) return;
    this.cameras = cams?.cameras || [];
    this.operations = ops?.operations || [];
    this.render();
  }

  clear() {
    this.cameras = [];
    this.operations = [];
    this.render();
  }

  render() {
    this.players.forEach((p) => p.stop());
    // a camera with a stream plays live here, relayed by the server
    this.players = this.cameras.map((c) => (c.stream_url
      ? new CameraView(c.id, c.name || c.id) : null));
    this.cameraBox.replaceChildren(...this.cameras.map((c, i) => cameraItem(c, this.players[i])));
    this.players = this.players.filter(Boolean);
    this.players.forEach((p) => p.start());
    this.cameraEmpty.hidden = this.cameras.length > 0;
    this.opsBox.replaceChildren(...(this.operations.length ? [operationTable(this.operations)] : []));
    this.opsEmpty.hidden = this.operations.length > 0;
  }
}

/** A section a server may not have yet (404 "no such route") stays empty. */
async function optional(p) {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError) return null;
    throw e;
  }
}

function cameraItem(c, player) {
  const name = c.name || c.id;
  const link = c.stream_url && SCHEMES.test(c.stream_url)
    ? el('a', { class: 'camera-stream', href: c.stream_url, target: '_blank', rel: 'noopener noreferrer',
      text: t('camera.open_stream', { kind: streamKind(c.stream_url) }) })
    : el('span', { class: 'camera-stream muted', text: t('camera.no_stream', { id: c.id }) });
  const shot = c.snapshot
    ? el('figure', { class: 'camera-snapshot' },
      el('img', { src: `/api/v1/devices/${encodeURIComponent(c.id)}/snapshot?id=${c.snapshot.id}`,
        alt: t('camera.snapshot_alt', { id: name }), width: c.snapshot.width, height: c.snapshot.height, loading: 'lazy' }),
      el('figcaption', { class: 'muted', text: t('camera.taken', { time: dateTime(Date.parse(c.snapshot.taken)) }) }))
    : el('p', { class: 'muted camera-no-snapshot', text: t('camera.no_snapshot') });
  return el('div', { class: 'camera', dataset: { camera: c.id } },
    el('div', { class: 'camera-head' }, el('span', { class: 'camera-name', text: name }), link),
    player ? player.node : null, shot);
}

function operationTable(ops) {
  const head = ['ops.date', 'ops.operation', 'ops.machine', 'ops.area', 'ops.share']
    .map((k) => el('th', { text: t(k) }));
  const rows = ops.slice().sort((a, b) => b.start.localeCompare(a.start)).map((o) =>
    el('tr', { dataset: { machine: o.machine, date: o.date } },
      el('td', { text: o.date }),
      el('td', { text: t('operation.' + o.operation) }),
      el('td', { text: o.machine }),
      el('td', { text: num(o.worked_mu, 1) }),
      el('td', { text: num(o.share * 100, 0) + '%' })));
  return el('table', { class: 'operations' }, el('thead', {}, el('tr', {}, ...head)), el('tbody', {}, ...rows));
}
