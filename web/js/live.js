// The live feed: GET /api/v1/stream (server-sent events) with its
// connection state for the screen.
//
// EventSource reconnects by itself after a network failure, sending
// Last-Event-ID.  It gives up on an HTTP error (a restarted server that is
// not up yet, a 401 once the session ended): then this module opens a new
// one after a growing delay, resuming from the last event seen, and asks
// `check` first so that an ended session goes back to the sign-in page
// instead of retrying forever.

const EVENT_TYPES = ['point', 'alert', 'anomaly', 'command', 'gap', 'resync'];
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 60000;

export class LiveStream {
  /**
   * url: the stream's address; check(): resolves false when retrying is
   * pointless (signed out).
   */
  constructor(url, { check } = {}) {
    this.url = url;
    this.check = check;
    this.source = null;
    this.state = 'connecting';
    this.lastEventId = null;
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = null;
    this.handlers = new Map(EVENT_TYPES.map((t) => [t, new Set()]));
    this.stateHandlers = new Set();
    this.dispatch = (ev) => this.onEvent(ev);
  }

  /** Call fn(data, event) for each event of this type; returns an unsubscribe. */
  on(type, fn) {
    this.handlers.get(type).add(fn);
    return () => this.handlers.get(type).delete(fn);
  }

  /** Call fn(state) on each change: connecting, open, reconnecting, closed. */
  onState(fn) {
    this.stateHandlers.add(fn);
    fn(this.state);
    return () => this.stateHandlers.delete(fn);
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.closeSource();
    this.handlers.forEach((set) => set.clear());
    this.stateHandlers.clear();
  }

  open() {
    let url = this.url;
    if (this.lastEventId !== null)
      url += (url.includes('?') ? '&' : '?') + 'last_event_id=' + encodeURIComponent(this.lastEventId);
    const es = new EventSource(url, { withCredentials: true });
    for (const type of EVENT_TYPES) es.addEventListener(type, this.dispatch);
    es.onopen = () => {
      this.retryMs = RETRY_MIN_MS;
      this.setState('open');
    };
    es.onerror = () => this.onError();
    this.source = es;
  }

  closeSource() {
    const es = this.source;
    if (!es) return;
    for (const type of EVENT_TYPES) es.removeEventListener(type, this.dispatch);
    es.onopen = es.onerror = null;
    es.close();
    this.source = null;
  }

  onEvent(ev) {
    if (ev.lastEventId) this.lastEventId = ev.lastEventId;
    let data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return;
    }
    for (const fn of this.handlers.get(ev.type)) fn(data, ev);
  }

  onError() {
    if (this.source && this.source.readyState === EventSource.CONNECTING) {
      this.setState('reconnecting'); // EventSource retries by itself
      return;
    }
    this.closeSource();
    this.setState('closed');
    this.scheduleRetry();
  }

  scheduleRetry() {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(async () => {
      this.retryTimer = null;
      if (this.stopped) return;
      const go = this.check ? await this.check().catch(() => true) : true;
      if (!go || this.stopped) return;
      this.setState('reconnecting');
      this.open();
    }, delay);
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    for (const fn of this.stateHandlers) fn(state);
  }
}
