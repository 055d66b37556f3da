// Valve controls of a plot, for operators and admins only: open for a
// duration, or close, by POST /api/v1/devices/ID/commands, and follow the
// command (requested, sent, acknowledged, failed) by the stream's
// `command` events.  A server without that route (404) gets "valve
// control not available".

import { errorText } from './alert_text.js';
import { api, ApiError } from './api.js';
import { t } from './i18n.js';
import { el } from './dom.js';
import { metricValue } from './format.js';
import { mayCommand } from './auth.js';

const DURATIONS_MIN = [15, 30, 60, 120];

export class ValveControls {
  /** root: the valve block; me: who is signed in. */
  constructor(root, me) {
    this.root = root;
    this.me = me;
    this.list = root.querySelector('.valve-list');
    this.message = root.querySelector('.valve-message');
  }

  clear() {
    this.list.replaceChildren();
    this.say('');
    this.root.hidden = true;
  }

  render(devices, latest) {
    const valves = devices.filter((d) => d.kind === 'valve');
    this.root.hidden = !mayCommand(this.me) || !valves.length;
    if (this.root.hidden) {
      this.list.replaceChildren();
      return;
    }
    const stateOf = (id) => {
      const d = latest.find((x) => x.id === id);
      const v = d && d.values.valve_state;
      return v ? metricValue('valve_state', v.value) : '—';
    };
    this.list.replaceChildren(...valves.map((d) => this.row(d.id, stateOf(d.id))));
  }

  row(id, state) {
    const duration = el('select', { class: 'valve-duration', 'aria-label': t('valve.duration') },
      ...DURATIONS_MIN.map((n) => el('option', { value: String(n), text: t('valve.minutes', { n }), selected: n === 30 })));
    return el('div', { class: 'valve-row', dataset: { device: id } },
      el('span', { class: 'valve-id', text: id }),
      el('span', { class: 'valve-state muted', text: state }),
      duration,
      el('button', {
        type: 'button', class: 'chip valve-open', text: t('valve.open'),
        onclick: () => this.send(id, { action: 'open', duration_min: Number(duration.value) }),
      }),
      el('button', {
        type: 'button', class: 'chip valve-close', text: t('valve.close'),
        onclick: () => this.send(id, { action: 'close' }),
      }));
  }

  async send(id, body) {
    const action = body.action === 'open' ? t('valve.open') : t('valve.close');
    try {
      const cmd = await api(`/devices/${encodeURIComponent(id)}/commands`, { method: 'POST', body });
      this.pending = cmd && cmd.id;
      this.say(t('valve.sent', { id, action, state: stateText(cmd && cmd.state) }), 'ok');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) this.say(t('valve.not_available'), 'unavailable');
      else this.say(t('valve.failed', { message: errorText(e) }), 'error');
    }
  }

  /** A `command` event from the stream: show how our command is doing. */
  onCommand(cmd) {
    if (!cmd || this.root.hidden || !this.pending || cmd.id !== this.pending) return;
    const action = cmd.action === 'open' ? t('valve.open') : t('valve.close');
    const failed = cmd.state === 'failed';
    this.say(t(failed ? 'valve.command_failed' : 'valve.sent', {
      id: cmd.device, action, state: stateText(cmd.state), reason: cmd.reason || '',
    }), failed ? 'error' : 'ok');
  }

  say(text, kind = '') {
    this.message.hidden = !text;
    this.message.textContent = text;
    this.message.dataset.kind = kind;
  }
}

function stateText(state) {
  return state ? t('command.' + state) : '';
}
