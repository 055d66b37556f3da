// What an alert says, in the page's language: the server keeps each
// alert's text structured (its `code` and `params`, docs/API.md) beside
// the English `message` for API users; the screen words it from the
// dictionary, and falls back to the message only for an alert stored
// before alerts had a code.  Also: where an alert is (a plot, or the
// whole base with the plots it covers), which plots it concerns, and an
// API error as the page's sentence for its stable code.

import { t, has } from './i18n.js';
import { label, metricName, metricValue, num } from './format.js';
import { ApiError } from './api.js';

/** The rule's name: its template's, translated; a custom rule's own. */
function what(p) {
  if (p.template && has('alert_tpl.' + p.template)) return t('alert_tpl.' + p.template);
  return p.rule || t('alert.rule');
}

const OPS = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' };

/** One condition: "气温 -12.0 °C（≤ 2.0 °C）". */
function condition(c) {
  const value = c.value === null || c.value === undefined ? '—' : metricValue(c.metric, c.value);
  return t('alert.condition', { metric: metricName(c.metric), value,
    op: OPS[c.op] || c.op, threshold: metricValue(c.metric, c.threshold) });
}

function conditions(p) {
  const list = p.conditions && p.conditions.length ? p.conditions
    : [{ metric: p.metric, op: p.op, threshold: p.threshold, value: p.value }];
  return list.map(condition).join(t('alert.and'));
}

function minutes(n) {
  return n >= 120 ? t('alert.hours', { n: num(n / 60, 1) }) : t('alert.minutes', { n: num(n) });
}

const TEXTS = {
  weather: (p) => t(p.area === 'base' ? 'alert.text.weather_base' : 'alert.text.weather',
    { what: what(p), conditions: conditions(p), station: p.station, n: num(p.plots_n || 0),
      growing: num(p.in_season_n || 0) }),
  threshold: (p) => t('alert.text.threshold', { what: what(p), conditions: conditions(p), device: p.device }),
  raw: (p) => t('alert.text.raw', { what: what(p), device: p.device,
    metric: metricName(p.metric), value: metricValue(p.metric, p.value), threshold: metricValue(p.metric, p.threshold) }),
  stuck: (p) => t('alert.text.stuck', { what: what(p), device: p.device, metric: metricName(p.metric),
    value: metricValue(p.metric, p.value), time: minutes(p.minutes) }),
  silent: (p) => t('alert.text.silent', { what: what(p), device: p.device,
    time: minutes(Math.round(p.silent_s / 60)), every: num(p.interval_s) }),
  pv_comm_loss: (p) => t('alert.text.comm_loss', { what: what(p), device: p.device, time: minutes(Math.round(p.silent_s / 60)) }),
  no_data: (p) => t(p.device ? 'alert.text.no_data_device' : 'alert.text.no_data_plot',
    { what: what(p), device: p.device, plot: p.plot, time: minutes(p.minutes) }),
  stale: (p) => t('alert.text.stale', { what: what(p), plot: p.plot, source: label('source_kind', p.source),
    time: minutes(p.cadence_min) }),
  valve_failed: (p) => t('alert.text.valve_failed', { device: p.device, id: p.command,
    action: label('valve', p.action), reason: t('alert.reason.' + (p.reason === 'no_ack' ? 'no_ack' : 'refused')) }),
  valve_no_flow: (p) => t('alert.text.valve_no_flow', { what: what(p), device: p.device, time: minutes(p.minutes) }),
  vegetation_anomaly: (p) => t('alert.text.vegetation', { what: what(p), plot: p.plot,
    index: (p.index || 'ndvi').toUpperCase(), value: num(p.value, 2), reference: num(p.reference, 2) }),
  camera_offline: (p) => t('alert.text.camera_offline', { what: what(p), plot: p.plot }),
};

/** The alert's sentence in the page's language. */
export function alertText(a) {
  const say = a && a.code && TEXTS[a.code];
  if (say) return say(a.params || {});
  if (a && a.code) return t('alert.text.other', { what: what(a.params || {}), subject: a.subject });
  return a ? a.message : '';
}

/** Where it is: its plot, or the base (or a station's area) with how many plots. */
export function alertPlace(a) {
  if (a.plot) return a.plot;
  const p = a.params || {};
  if (a.code === 'weather') return t('alert.place_base', { n: num(p.plots_n || 0) });
  return a.subject;
}

/**
 * The plots an alert concerns: its own, or those a weather alert covers;
 * allPlots (every code the page knows) when the alert covers the whole
 * base and lists fewer than it covers (a county: the list is cut at 200).
 */
export function alertPlots(a, allPlots = null) {
  if (a.plot) return [a.plot];
  const p = a.params || {};
  const listed = Array.isArray(p.plots) ? p.plots : [];
  if (allPlots && a.code === 'weather' && p.area === 'base' && listed.length < (p.plots_n || 0))
    return allPlots;
  return listed;
}

/** An error as the page's sentence: the API's stable code, translated. */
export function errorText(e) {
  if (e instanceof ApiError)
    return has('error.' + e.code) ? t('error.' + e.code) : t('error.status', { status: e.status });
  return e && e.name === 'TypeError' && /fetch|network/i.test(e.message) ? t('error.network') : t('error.page');
}
