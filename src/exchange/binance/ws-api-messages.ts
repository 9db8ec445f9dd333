// The connector (@binance/spot, pinned) parses every WebSocket API message with json-with-bigint,
// which on Node 20 runs a regular-expression pass over the text and JSON.parse with a reviver:
// ~12–21 µs per message (native JSON.parse: ~2 µs) and ~45 KB of garbage per order (measured:
// a third of everything the bot allocated per order in the latency benchmark, and so a third of
// its garbage collections, which are what the tail of candle-close → order latency is made of).
// It does so only to keep integers beyond 2^53 exact; Binance's answers and events carry none
// (ids and times are far below), so such a message is parsed natively here and handed on as the
// connector would hand it on. Any message this does not fully understand — one with an unsafe
// integer, an error answer, a `serverShutdown`, anything unexpected — goes to the connector's own
// handler untouched.

/** The connector's WebSocket API object, as far as this relies on it (checked before patching). */
interface ConnectorBase {
  onMessage(data: string, connection: ConnectorConnection): void;
  readonly streamCallbackMap: Map<string, Set<(event: unknown) => void>>;
}

interface ConnectorConnection {
  readonly pendingRequests: Map<string, { resolve: (answer: unknown) => void; reject: (error: unknown) => void }>;
}

/** JSON text parsed natively; null when it is not JSON or holds an integer beyond 2^53 (the connector then parses it itself). */
export function parseSafeJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return hasUnsafeInteger(value) ? null : value;
}

function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasUnsafeInteger(item)) return true;
    return false;
  }
  for (const key in value) if (hasUnsafeInteger((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * Puts the native parse in front of the connector's message handler of one WebSocket API object.
 * Returns false (and changes nothing) when the object is not shaped as the pinned connector's is.
 */
export function parseMessagesNatively(websocketBase: unknown): boolean {
  if (!isConnectorBase(websocketBase)) return false;
  const base = websocketBase;
  const connectorOnMessage = base.onMessage.bind(base);
  base.onMessage = (data: string, connection: ConnectorConnection): void => {
    if (typeof data !== 'string' || !(connection?.pendingRequests instanceof Map)) return connectorOnMessage(data, connection);
    const message = parseSafeJson(data);
    if (typeof message !== 'object' || message === null) return connectorOnMessage(data, connection);
    const { id, status, event } = message as { id?: unknown; status?: unknown; event?: unknown };
    // An answer to one of our requests (an error answer goes the connector's way: it rejects with its error object).
    if (typeof id === 'string' && id !== '' && typeof status === 'number' && status < 400) {
      const request = connection.pendingRequests.get(id);
      if (request === undefined) return connectorOnMessage(data, connection);
      connection.pendingRequests.delete(id);
      const { result, response, rateLimits } = message as { result?: unknown; response?: unknown; rateLimits?: unknown };
      request.resolve({ data: result ?? response, ...(rateLimits ? { rateLimits } : {}) });
      return;
    }
    // A user data event: to every stream handler, as the connector does.
    if (typeof event === 'object' && event !== null && 'e' in event && (event as { e: unknown }).e !== 'serverShutdown' && base.streamCallbackMap.size > 0) {
      for (const callbacks of base.streamCallbackMap.values()) for (const callback of callbacks) callback(event);
      return;
    }
    connectorOnMessage(data, connection);
  };
  return true;
}

function isConnectorBase(x: unknown): x is ConnectorBase {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Partial<ConnectorBase>;
  return typeof o.onMessage === 'function' && o.streamCallbackMap instanceof Map;
}
