// Request parameters as Binance reads them, for the REST API (query string + form body) and the
// WebSocket API (a JSON `params` object): every refusal is Binance's code and message, so the
// bot's error handling meets the same words it will meet live.
import { type Interval, isInterval, type OrderSide, type OrderType, type TimeInForce } from '../core/domain.ts';
import { type Decimal, dec } from '../core/money.ts';
import { ExchangeError } from '../ports/exchange.ts';
import { mandatory } from './auth.ts';
import type { NewOrderRespType } from './binance-format.ts';
import type { HistoryQuery, OrderRef, PlaceOrderParams } from './venue.ts';

export interface Params {
  /** The parameter as text, or undefined when absent or empty. */
  get(name: string): string | undefined;
  names(): string[];
}

/** REST: the body's form parameters, then the query string's (the query wins, as on Binance). */
export function restParams(query: URLSearchParams, body: URLSearchParams): Params {
  for (const sp of [query, body]) {
    const seen = new Set<string>();
    for (const name of sp.keys()) {
      if (seen.has(name)) throw new ExchangeError(-1101, 'Duplicate values for a parameter detected.');
      seen.add(name);
    }
  }
  return {
    get(name) {
      const v = query.get(name) ?? body.get(name);
      return v === null || v === '' ? undefined : v;
    },
    names: () => [...new Set([...query.keys(), ...body.keys()])],
  };
}

/** WebSocket API: values may be JSON numbers, booleans or strings. */
export function wsParams(params: Readonly<Record<string, unknown>>): Params {
  return {
    get(name) {
      const v = params[name];
      if (v === undefined || v === null || v === '') return undefined;
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    },
    names: () => Object.keys(params),
  };
}

export function requireParam(p: Params, name: string): string {
  const v = p.get(name);
  if (v === undefined) throw mandatory(name);
  return v;
}

const DECIMAL = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;

export function decimalParam(p: Params, name: string): Decimal | undefined {
  const v = p.get(name);
  if (v === undefined) return undefined;
  if (!DECIMAL.test(v)) {
    throw new ExchangeError(-1100, `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`);
  }
  return dec(v);
}

export function intParam(p: Params, name: string): number | undefined {
  const v = p.get(name);
  if (v === undefined) return undefined;
  if (!/^-?[0-9]{1,20}$/.test(v)) {
    throw new ExchangeError(-1100, `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`);
  }
  return Number(v);
}

export function symbolParam(p: Params): string {
  const symbol = requireParam(p, 'symbol');
  if (!/^[A-Z0-9-_.]{1,20}$/.test(symbol)) {
    throw new ExchangeError(-1100, "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.");
  }
  return symbol;
}

/** `symbols=["BTCUSDT","ETHUSDT"]` as Binance takes it (a JSON array in a parameter). */
export function symbolsParam(p: Params): string[] | undefined {
  const raw = p.get('symbols');
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ExchangeError(
      -1100,
      'Illegal characters found in parameter \'symbols\'; legal range is \'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
    );
  }
  if (!Array.isArray(parsed) || parsed.some((s) => typeof s !== 'string')) {
    throw new ExchangeError(-1100, "Illegal characters found in parameter 'symbols'.");
  }
  return parsed as string[];
}

export function intervalParam(p: Params): Interval {
  const interval = requireParam(p, 'interval');
  if (!isInterval(interval)) throw new ExchangeError(-1120, 'Invalid interval.');
  return interval;
}

/** A `limit` between 1 and `max` (larger values are capped, as Binance does), else `fallback`. */
export function limitParam(p: Params, fallback: number, max: number): number {
  const limit = intParam(p, 'limit');
  if (limit === undefined) return fallback;
  if (limit <= 0) throw new ExchangeError(-1100, "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'.");
  return Math.min(limit, max);
}

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

function clientIdParam(p: Params, name: string): string | undefined {
  const v = p.get(name);
  if (v === undefined) return undefined;
  if (!CLIENT_ID.test(v)) {
    throw new ExchangeError(-1100, `Illegal characters found in parameter '${name}'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.`);
  }
  return v;
}

export function orderRefParam(p: Params): OrderRef {
  const orderId = intParam(p, 'orderId');
  const origClientOrderId = clientIdParam(p, 'origClientOrderId');
  if (orderId === undefined && origClientOrderId === undefined) {
    throw new ExchangeError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  }
  return { ...(orderId !== undefined && { orderId }), ...(origClientOrderId !== undefined && { origClientOrderId }) };
}

export function cancelClientIdParam(p: Params): string | undefined {
  return clientIdParam(p, 'newClientOrderId');
}

export function historyParam(p: Params, idName: 'orderId' | 'fromId'): HistoryQuery {
  const fromId = intParam(p, idName);
  const startTime = intParam(p, 'startTime');
  const endTime = intParam(p, 'endTime');
  return {
    ...(fromId !== undefined && { fromId }),
    ...(startTime !== undefined && { startTime }),
    ...(endTime !== undefined && { endTime }),
    limit: limitParam(p, 500, 1000),
  };
}

const SIDES: readonly OrderSide[] = ['BUY', 'SELL'];
const SUPPORTED_TYPES: readonly OrderType[] = ['MARKET', 'LIMIT', 'STOP_LOSS', 'STOP_LOSS_LIMIT'];
const BINANCE_TYPES = [...SUPPORTED_TYPES, 'LIMIT_MAKER', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'];
const TIFS: readonly TimeInForce[] = ['GTC', 'IOC', 'FOK'];
const RESP_TYPES: readonly NewOrderRespType[] = ['ACK', 'RESULT', 'FULL'];

/** POST /api/v3/order and order.place. */
export function placeOrderParams(p: Params): { order: PlaceOrderParams; respType: NewOrderRespType } {
  const symbol = symbolParam(p);
  const side = requireParam(p, 'side');
  const type = requireParam(p, 'type');
  if (!SIDES.includes(side as OrderSide)) throw new ExchangeError(-1117, 'Invalid side.');
  if (!BINANCE_TYPES.includes(type)) throw new ExchangeError(-1116, 'Invalid orderType.');
  // Binance has these; the matching engine does not, and exchangeInfo does not offer them.
  if (!SUPPORTED_TYPES.includes(type as OrderType)) throw new ExchangeError(-1014, 'Unsupported order combination.');
  const tif = p.get('timeInForce');
  if (tif !== undefined && !TIFS.includes(tif as TimeInForce)) throw new ExchangeError(-1115, 'Invalid timeInForce.');
  if ((type === 'LIMIT' || type === 'STOP_LOSS_LIMIT') && tif === undefined) throw mandatory('timeInForce');
  const respText = p.get('newOrderRespType');
  if (respText !== undefined && !RESP_TYPES.includes(respText as NewOrderRespType)) {
    throw new ExchangeError(-1100, "Illegal characters found in parameter 'newOrderRespType'; legal range is 'ACK, RESULT, FULL'.");
  }
  // Binance's default: FULL for MARKET and LIMIT, ACK for the other types.
  const respType = (respText as NewOrderRespType | undefined) ?? (type === 'MARKET' || type === 'LIMIT' ? 'FULL' : 'ACK');
  const quantity = decimalParam(p, 'quantity');
  const quoteOrderQty = decimalParam(p, 'quoteOrderQty');
  const price = decimalParam(p, 'price');
  const stopPrice = decimalParam(p, 'stopPrice');
  const newClientOrderId = clientIdParam(p, 'newClientOrderId');
  if (quantity === undefined && quoteOrderQty === undefined && type === 'MARKET') {
    throw new ExchangeError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
  }
  if (quantity === undefined && type !== 'MARKET') throw mandatory('quantity');
  return {
    order: {
      symbol,
      side: side as OrderSide,
      type: type as OrderType,
      ...(tif !== undefined && { timeInForce: tif as TimeInForce }),
      ...(quantity !== undefined && { quantity }),
      ...(quoteOrderQty !== undefined && { quoteOrderQty }),
      ...(price !== undefined && { price }),
      ...(stopPrice !== undefined && { stopPrice }),
      ...(newClientOrderId !== undefined && { newClientOrderId }),
    },
    respType,
  };
}
