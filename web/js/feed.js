// The live feed panel: the newest points as a fixed number of rows that are
// rewritten in place (no DOM grows however long the screen runs), redrawn
// at most once a frame, and the event rate over the last minute.

import { Ring } from './ring.js';
import { t } from './i18n.js';
import { el, setField, setEmpty } from './dom.js';
import { clockTime, metricName, metricValue } from './format.js';

const ROWS = 14;
const RATE_WINDOW_S = 60;

export class LiveFeed {
  constructor(panel) {
    this.panel = panel;
    this.ring = new Ring(ROWS);
    this.perSecond = new Uint32Array(RATE_WINDOW_S); // counts by second, a ring
    this.lastSecond = 0;
    this.frame = 0;
    this.rows = Array.from({ length: ROWS }, () => el('li', { class: 'feed-row', hidden: true },
      el('time', { class: 'feed-time' }), el('span', { class: 'feed-what' }),
      el('span', { class: 'feed-value' }), el('span', { class: 'feed-where' })));
    panel.querySelector('.feed').replaceChildren(...this.rows);
    this.rateTimer = setInterval(() => this.showRate(), 2000);
    this.relabel();
  }

  push(point) {
    this.ring.push(point);
    const second = Math.floor(Date.now() / 1000);
    this.advance(second);
    this.perSecond[second % RATE_WINDOW_S]++;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /**
   * Start with the newest readings since sinceMs (GET /api/v1/latest?all=1:
   * {columns, values}), oldest first, under any the stream brought already;
   * they do not count in the rate.
   */
  seed(doc, sinceMs) {
    const col = Object.fromEntries((doc?.columns || []).map((c, i) => [c, i]));
    const rows = (doc?.values || []).filter((r) => r[col.ts] >= sinceMs)
      .sort((a, b) => a[col.ts] - b[col.ts]).slice(-ROWS);
    const live = [];
    for (let i = this.ring.size - 1; i >= 0; i--) live.push(this.ring.fromNewest(i));
    this.ring.clear();
    for (const r of rows)
      this.ring.push({ device: r[col.device], metric: r[col.metric], ts: r[col.ts], value: r[col.value], plot: null });
    for (const p of live) this.ring.push(p);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Move the rate window to this second, zeroing the seconds passed. */
  advance(second) {
    if (second === this.lastSecond) return;
    const gap = Math.min(second - this.lastSecond, RATE_WINDOW_S);
    for (let i = 1; i <= gap; i++) this.perSecond[(this.lastSecond + i) % RATE_WINDOW_S] = 0;
    this.lastSecond = second;
  }

  perMinute() {
    this.advance(Math.floor(Date.now() / 1000));
    let n = 0;
    for (const c of this.perSecond) n += c;
    return n;
  }

  showRate() {
    setField(this.panel, 'feed.rate', t('feed.rate', { n: this.perMinute() }));
  }

  draw() {
    this.frame = 0;
    for (let i = 0; i < ROWS; i++) {
      const p = this.ring.fromNewest(i);
      const row = this.rows[i];
      row.hidden = !p;
      if (!p) continue;
      row.dataset.device = p.device;
      row.dataset.metric = p.metric;
      row.children[0].textContent = clockTime(p.ts);
      row.children[1].textContent = metricName(p.metric);
      row.children[2].textContent = metricValue(p.metric, p.value);
      row.children[3].textContent = p.plot ? `${p.device} · ${p.plot}` : p.device;
    }
    setEmpty(this.panel, 'feed', this.ring.size ? '' : t('feed.waiting'));
  }

  relabel() {
    this.draw();
    this.showRate();
  }

  dispose() {
    clearInterval(this.rateTimer);
    if (this.frame) cancelAnimationFrame(this.frame);
    this.ring.clear();
  }
}
