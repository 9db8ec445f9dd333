// The dashboard's one way to the desk: fetch with the bearer token, and the live fact stream read
// with fetch (EventSource cannot send an Authorization header, and the token stays out of URLs).
const TOKEN_KEY = 'crewdesk.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Takes `#token=…` from the address (the link the desk prints), keeps it in the session and strips it from the URL. */
export function takeTokenFromUrl() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return;
  setToken(decodeURIComponent(match[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#/overview`);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Signals a missing or refused token to whoever shows the sign-in form. */
export const authEvents = new EventTarget();

async function call(method, path, body) {
  const headers = { authorization: `Bearer ${token() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (response.status === 401) authEvents.dispatchEvent(new Event('signed-out'));
  const type = response.headers.get('content-type') ?? '';
  const payload = type.includes('json') ? await response.json() : type.startsWith('image/') ? await response.blob() : await response.text();
  if (!response.ok) {
    const message = typeof payload === 'object' && payload && 'error' in payload ? String(payload.error) : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return payload;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body = {}) => call('POST', path, body),
  put: (path, body) => call('PUT', path, body),
};

/**
 * The desk's facts as they happen (`GET /api/v1/events`, Server-Sent Events), read with fetch so the
 * token travels in a header. Reconnects after a drop with `Last-Event-ID`, so no fact is missed
 * while the ring buffer on the server still holds it.
 */
export class FactStream extends EventTarget {
  constructor(path = '/api/v1/events') {
    super();
    this.path = path;
    this.lastId = null;
    this.controller = null;
    this.connected = false;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    void this.loop();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  async loop() {
    let delay = 500;
    while (!this.stopped) {
      try {
        await this.readOnce();
        delay = 500;
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof ApiError && error.status === 401) return;
      }
      this.setConnected(false);
      if (this.stopped) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }

  async readOnce() {
    this.controller = new AbortController();
    const headers = { authorization: `Bearer ${token() ?? ''}`, accept: 'text/event-stream' };
    if (this.lastId !== null) headers['last-event-id'] = this.lastId;
    const response = await fetch(this.path, { headers, signal: this.controller.signal });
    if (response.status === 401) authEvents.dispatchEvent(new Event('signed-out'));
    if (!response.ok || !response.body) throw new ApiError(response.status, `the event stream answered ${response.status}`);
    this.setConnected(true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        this.dispatchBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  }

  /** One SSE event: `id:`, `event:` and `data:` lines (comments start with a colon). */
  dispatchBlock(block) {
    let id = null;
    let name = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
    }
    if (id !== null) this.lastId = id;
    if (data.length === 0) return;
    let fact;
    try {
      fact = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    const type = fact?.type ?? name;
    this.dispatchEvent(new CustomEvent('fact', { detail: { id, type, fact } }));
  }

  setConnected(connected) {
    if (this.connected === connected) return;
    this.connected = connected;
    this.dispatchEvent(new Event(connected ? 'open' : 'close'));
  }
}
