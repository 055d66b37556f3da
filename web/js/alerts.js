// The monitoring's active alerts on the screen: the set the screen keeps
// (GET /api/v1/alerts?state=active, then the stream's `alert` events), the
// overview's short list, and a plot's alerts in its detail with the
// acknowledge button operators and admins get (POST /api/v1/alerts/ID/ack).

import { api, qs, ApiError } from './api.js';
import { t } from './i18n.js';
import { label, dateTime, ago, num } from './format.js';
import { el } from './dom.js';
import { alertText, alertPlace, alertPlots, errorText } from './alert_text.js';

export const ALERT_ITEMS = 6;      // rows of the overview's list
const CLOSED_EVENTS = new Set(['closed']);
const CAN_ACK = new Set(['operator', 'admin']);

/** The active (open or acknowledged) alerts, by id, kept current from the stream. */
export class ActiveAlerts {
  constructor() {
    this.byId = new Map();
  }

  /** The whole list, as GET /api/v1/alerts?state=active gives it. */
  setAll(alerts) {
    this.byId = new Map((alerts || []).map((a) => [a.id, a]));
  }

  /** An `alert` event of the stream; true when the set changed. */
  apply(a) {
    if (!a || typeof a.id !== 'number') return false;
    if (CLOSED_EVENTS.has(a.event) || a.state === 'closed') return this.byId.delete(a.id);
    const { event, ...alert } = a;
    this.byId.set(a.id, alert);
    return true;
  }

  get size() {
    return this.byId.size;
  }

  /** Newest first. */
  list() {
    return [...this.byId.values()].sort((x, y) => y.opened_ms - x.opened_ms || y.id - x.id);
  }

  /** A plot's: its own and the base's weather that covers it. */
  ofPlot(code) {
    return this.list().filter((a) => alertPlots(a).includes(code));
  }
}

const SEVERITY_RANK = { info: 1, warning: 2, critical: 3 };

/**
 * The list as the overview shows it: one row per rule, so that an event of
 * the whole base (a gateway down: every probe silent) is one row, its
 * count beside it; the row is the rule's newest alert with `group` (how
 * many, the worst severity, every plot).  Newest first.
 */
export function groupAlerts(list) {
  const byRule = new Map();
  for (const a of list) {
    const key = a.rule_id ?? 'id' + a.id;
    const g = byRule.get(key);
    if (!g) {
      byRule.set(key, { ...a, group: { n: 1, plots: new Set(alertPlots(a)) } });
      continue;
    }
    g.group.n++;
    for (const p of alertPlots(a)) g.group.plots.add(p);
    if ((SEVERITY_RANK[a.severity] || 0) > (SEVERITY_RANK[g.severity] || 0)) g.severity = a.severity;
  }
  return [...byRule.values()];
}

/**
 * One alert (or a group of one rule's, from groupAlerts) as a row:
 * severity colour, where (its plot, or the base and how many plots), what
 * it says in the page's language, when it opened.
 */
export function alertRow(a, onPick) {
  const text = alertText(a);
  const pick = a.plot || alertPlots(a)[0];
  const n = a.group ? a.group.n : 1;
  const row = el('li', {
    class: 'alert-row' + (pick && onPick ? ' pickable' : ''),
    dataset: { id: String(a.id), severity: a.severity, state: a.state, plot: a.plot || '', code: a.code || '',
      count: String(n) },
    title: text,
  },
  el('span', { class: 'alert-sev', text: label('severity', a.severity) }),
  el('span', { class: 'alert-plot', text: alertPlace(a) }),
  el('span', { class: 'alert-message', text: n > 1 ? `${text} · ${t('alert.group', { n: num(n) })}` : text }),
  el('time', { class: 'alert-time muted', datetime: a.opened, title: dateTime(a.opened_ms), text: ago(a.opened_ms) }));
  if (pick && onPick) {
    row.tabIndex = 0;
    row.addEventListener('click', () => onPick(pick));
    row.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') onPick(pick); });
  }
  return row;
}

/** Who acted, as the server names them ("duty (operator)"): the role translated. */
function who(by) {
  const m = /^(.*) \((viewer|operator|admin)\)$/.exec(by || '');
  return m ? `${m[1]} · ${label('role', m[2])}` : by;
}

/** A plot's active alerts in its detail, with acknowledge buttons for operators. */
export class PlotAlerts {
  /** root: section#detail; me: who is signed in. */
  constructor(root, me) {
    this.box = root.querySelector('.alert-list');
    this.empty = root.querySelector('[data-i18n="empty.plot_alerts"]');
    this.message = root.querySelector('.alert-message-line');
    this.canAck = CAN_ACK.has(me && me.role);
    this.code = null;
    this.alerts = null;
  }

  async load(code, signal) {
    this.code = code;
    this.alerts = null;
    this.say('');
    try {
      // the plot's own and the base's weather covering it (on no plot)
      const r = await api('/alerts' + qs({ state: 'active' }), { signal });
      if (signal?.aborted || this.code !== code) return;
      this.alerts = (r.alerts || []).filter((a) => alertPlots(a).includes(code));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.alerts = null; // a server without monitoring: the empty state
    }
    this.render();
  }

  /** The screen's set changed (an `alert` event): take this plot's from it. */
  update(active) {
    if (this.code === null || this.alerts === null) return;
    const mine = active.ofPlot(this.code);
    const key = (list) => list.map((a) => `${a.id}:${a.state}:${a.severity}`).join();
    const changed = key(mine) !== key(this.alerts);
    this.alerts = mine;
    if (changed) this.render(); // another plot's alert leaves a comment being typed here alone
  }

  clear() {
    this.code = null;
    this.alerts = null;
    this.say('');
    this.render();
  }

  render() {
    const list = this.alerts || [];
    this.box.replaceChildren(...list.map((a) => {
      const row = alertRow(a, null);
      if (a.state === 'acknowledged' && a.acknowledged)
        row.append(el('span', { class: 'alert-acked muted',
          text: t('alerts.acked_by', { by: who(a.acknowledged.by),
            comment: a.acknowledged.comment || t('alerts.ack_comment') }) }));
      else if (this.canAck && a.state === 'open') {
        const comment = el('input', { class: 'alert-comment', maxlength: '200', placeholder: t('alerts.comment') });
        row.append(el('span', { class: 'alert-actions' }, comment,
          el('button', { type: 'button', class: 'chip alert-ack', text: t('alerts.ack'),
            onclick: () => this.ack(a, comment.value.trim()) })));
      }
      return row;
    }));
    this.empty.hidden = list.length > 0 || this.code === null;
  }

  async ack(a, typed) {
    // nothing typed: no comment stored (the screen says "acknowledged on
    // the big screen" in the language of whoever reads it)
    const comment = typed;
    try {
      const got = await api(`/alerts/${a.id}/ack`, { method: 'POST', body: { comment } });
      if (this.alerts) this.alerts = this.alerts.map((x) => (x.id === got.id ? got : x));
      this.render();
      this.say(t('alerts.acked', { id: a.id }), 'ok');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.say(t('alerts.ack_failed', { message: errorText(e) }), 'error');
    }
  }

  say(text, kind = '') {
    this.message.hidden = !text;
    this.message.textContent = text;
    this.message.dataset.kind = kind;
  }
}
