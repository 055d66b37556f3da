// Numbers, times and metric names as the screen shows them, in the
// current language.

import { currentLang, t, has } from './i18n.js';

const numberFormats = new Map();

function numberFormat(digits) {
  const key = currentLang() + '/' + digits;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(currentLang(), {
      minimumFractionDigits: digits, maximumFractionDigits: digits,
    });
    numberFormats.set(key, f);
  }
  return f;
}

/** v with `digits` decimals, grouped; an em dash for a missing value. */
export function num(v, digits = 0) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return numberFormat(digits).format(v);
}

/* One clock: times show in the site's time zone (the overview's day.tz,
 * an IANA name or a UTC offset), not the browser's. */
let siteZone = 'Asia/Shanghai';
let partsFormat = null;

/** The zone every time on the screen is shown in. */
export function setSiteZone(tz) {
  if (!tz || tz === siteZone) return;
  let zone = tz;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(tz);
  if (m && m[3] === '00') zone = `Etc/GMT${m[1] === '+' ? '-' : '+'}${Number(m[2])}`;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    return; /* a zone this browser does not know: keep the last one */
  }
  siteZone = zone;
  partsFormat = null;
}

export function currentSiteZone() { return siteZone; }

/* {year, month, day, hour, minute, second} of ms in the site's zone. */
function zoneParts(ms) {
  if (!partsFormat) {
    partsFormat = new Intl.DateTimeFormat('en-GB', {
      timeZone: siteZone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
  }
  const p = {};
  for (const { type, value } of partsFormat.formatToParts(new Date(ms))) p[type] = value;
  return p;
}

/** HH:MM:SS in the site's time zone. */
export function clockTime(ms) {
  const p = zoneParts(ms);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** YYYY-MM-DD HH:MM in the site's time zone. */
export function dateTime(ms) {
  const p = zoneParts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** An area in mu as the header shows it: 110万亩 / 1.1 M mu. */
export function muArea(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  if (currentLang() === 'zh-CN') {
    return v >= 10000 ? `${num(v / 10000, v % 10000 ? 1 : 0)}万亩` : `${num(v)}亩`;
  }
  return v >= 1e6 ? `${num(v / 1e6, v % 1e6 ? 1 : 0)} M mu` : `${num(v)} mu`;
}

/** "3 min ago". */
export function ago(ms, now = Date.now()) {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return t('time.ago_s', { n: s });
  if (s < 3600) return t('time.ago_m', { n: Math.floor(s / 60) });
  if (s < 86400) return t('time.ago_h', { n: Math.floor(s / 3600) });
  return t('time.ago_d', { n: Math.floor(s / 86400) });
}

/** When a pass was: "3 days ago (2026-11-26)"; within a day with its time. */
export function passWhen(ms, now = Date.now()) {
  const when = dateTime(ms);
  return t('time.pass', { ago: ago(ms, now), date: now - ms < 86400e3 ? when : when.slice(0, 10) });
}

/* Display units and decimals of the standard metrics (docs/API.md). */
const METRICS = {
  air_temp: ['°C', 1], rh: ['%', 0], solar_rad: ['W/m²', 0], par: ['µmol/m²/s', 0],
  wind_speed: ['m/s', 1], wind_gust: ['m/s', 1], wind_dir: ['°', 0], rain: ['mm', 1],
  pressure: ['hPa', 1], dew_point: ['°C', 1], sunshine: ['h', 1], ec: ['dS/m', 2],
  flow: ['m³/h', 1], volume: ['m³', 0], pipe_pressure: ['kPa', 0], valve_state: ['', 0],
  battery: ['V', 2], signal: ['dBm', 0], power: ['W', 0], energy: ['kWh', 1],
  ndvi: ['', 2], latitude: ['°', 5], longitude: ['°', 5], speed: ['m/s', 1],
  heading: ['°', 0], working: ['', 0],
};

function depthOf(metric) {
  const m = /^(moisture|soil_temp)_(\d+)cm$/.exec(metric);
  return m ? { kind: m[1], depth: m[2] } : null;
}

export function metricUnit(metric) {
  const d = depthOf(metric);
  if (d) return d.kind === 'moisture' ? '%vol' : '°C';
  return METRICS[metric] ? METRICS[metric][0] : '';
}

export function metricDigits(metric) {
  if (depthOf(metric)) return 1;
  return METRICS[metric] ? METRICS[metric][1] : 2;
}

/** The translated name of a metric ("10 cm 含水量"); custom ones as named. */
export function metricName(metric) {
  const d = depthOf(metric);
  if (d) return t('metric.' + d.kind, { d: d.depth });
  return has('metric.' + metric) ? t('metric.' + metric) : metric;
}

/** A metric's value with its unit, as the screen prints it. */
export function metricValue(metric, v) {
  if (metric === 'valve_state')
    return v >= 0.5 ? t('valve.state_open') : t('valve.state_closed');
  if (metric === 'working')
    return v >= 0.5 ? t('machinery.state_working') : t('machinery.state_idle');
  const unit = metricUnit(metric);
  return num(v, metricDigits(metric)) + (unit ? ' ' + unit : '');
}

/** A translated label of a code from a family ("crop", "kind", ...). */
export function label(family, code) {
  if (code === null || code === undefined || code === '') return '—';
  const key = family + '.' + code;
  return has(key) ? t(key) : code;
}

/** Compass point (of 16) of a direction in degrees, translated. */
export function compass(deg) {
  if (!Number.isFinite(deg)) return '—';
  return t('compass.' + (Math.round(deg / 22.5) % 16));
}

/** ms as a datetime-local input's value (YYYY-MM-DDTHH:MM) in the site's zone. */
export function siteInputValue(ms) {
  return dateTime(ms).replace(' ', 'T');
}

/** A datetime-local input's value (YYYY-MM-DDTHH:MM), read in the site's zone, as ms; NaN if not one. */
export function fromSiteInput(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value || '');
  if (!m) return NaN;
  const wall = Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]);
  let ms = wall;
  for (let i = 0; i < 2; i++) { // the zone's offset at that instant (twice: across a change)
    const p = zoneParts(ms);
    ms = wall - (Date.UTC(+p.year, p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - ms);
  }
  return ms;
}
