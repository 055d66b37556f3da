// The Oasis HTTP API as the page uses it: JSON in and out, the session
// cookie as the credential (never a token in page storage), errors as
// ApiError with the server's code and message.

const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized = null;

/** Called once whenever a request other than sign-in gets 401. */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

async function parse(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Call the API.  path is below /api/v1 ("/plots"); body, when given, is
 * sent as JSON.  Resolves to the parsed answer (null for 204).
 */
export async function api(path, { method = 'GET', body, signal, quiet401 = false } = {}) {
  const init = { method, credentials: 'same-origin', cache: 'no-store', signal, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(BASE + path, init);
  const data = await parse(res);
  if (res.ok) return data;
  const err = (data && data.error) || {};
  if (res.status === 401 && !quiet401 && onUnauthorized) onUnauthorized();
  throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || res.statusText);
}

/** A query string from an object, leaving out null and undefined values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Run fn over items with at most `limit` calls in flight. */
export async function mapLimited(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
