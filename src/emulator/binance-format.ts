// Binance Spot's wire shapes, built from crewdesk's domain values: decimals as strings with 8
// places ("0.00100000"), statuses in capitals, `cummulativeQuoteQty` spelled as Binance spells
// it. Pure functions, so the REST API, the WebSocket API and the admin state say the same thing.
import type { Candle, OrderSide, OrderStatus, OrderType, SymbolFilters, TimeInForce } from '../core/domain.ts';
import { type Decimal, dec } from '../core/money.ts';

/** A decimal as Binance prints it: fixed 8 places. */
export function fmt(value: Decimal | number | string): string {
  return dec(value).toFixed(8);
}

export type BinanceOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

export function binanceStatus(status: OrderStatus): BinanceOrderStatus {
  switch (status) {
    case 'partially_filled':
      return 'PARTIALLY_FILLED';
    case 'filled':
      return 'FILLED';
    case 'cancelled':
      return 'CANCELED';
    case 'rejected':
      return 'REJECTED';
    case 'expired':
      return 'EXPIRED';
    case 'new':
    case 'submitted':
    case 'unknown':
      return 'NEW';
  }
}

/** Everything the emulator knows about one order: the engine's state plus what Binance reports
 * that the engine does not keep (time in force, the quote amount asked for, working time). */
export interface OrderView {
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly status: OrderStatus;
  readonly price: Decimal;
  readonly stopPrice: Decimal;
  readonly origQty: Decimal;
  readonly origQuoteOrderQty: Decimal;
  readonly executedQty: Decimal;
  readonly cumulativeQuote: Decimal;
  readonly time: number;
  readonly updateTime: number;
  readonly workingTime: number;
  /** Resting in the book (a LIMIT that did not fill at once); STOP orders wait outside it. */
  readonly isWorking: boolean;
}

export interface TradeView {
  readonly symbol: string;
  readonly id: number;
  readonly orderId: number;
  readonly side: OrderSide;
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly quoteQty: Decimal;
  readonly commission: Decimal;
  readonly commissionAsset: string;
  readonly time: number;
  readonly isMaker: boolean;
}

const STP = 'EXPIRE_MAKER';

/** GET /api/v3/order, openOrders, allOrders; order.status on the WebSocket API. */
export function orderJson(o: OrderView): Record<string, unknown> {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: fmt(o.price),
    origQty: fmt(o.origQty),
    executedQty: fmt(o.executedQty),
    cummulativeQuoteQty: fmt(o.cumulativeQuote),
    status: binanceStatus(o.status),
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    stopPrice: fmt(o.stopPrice),
    icebergQty: fmt(0),
    time: o.time,
    updateTime: o.updateTime,
    isWorking: o.isWorking,
    workingTime: o.workingTime,
    origQuoteOrderQty: fmt(o.origQuoteOrderQty),
    selfTradePreventionMode: STP,
  };
}

export type NewOrderRespType = 'ACK' | 'RESULT' | 'FULL';

/** POST /api/v3/order (order.place): ACK, RESULT or FULL with the fills. */
export function newOrderJson(o: OrderView, respType: NewOrderRespType, fills: readonly TradeView[]): Record<string, unknown> {
  const ack = { symbol: o.symbol, orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, transactTime: o.time };
  if (respType === 'ACK') return ack;
  const result: Record<string, unknown> = { ...ack, ...orderState(o), workingTime: o.workingTime, selfTradePreventionMode: STP };
  if (respType === 'RESULT') return result;
  return {
    ...result,
    fills: fills.map((t) => ({
      price: fmt(t.price),
      qty: fmt(t.qty),
      commission: fmt(t.commission),
      commissionAsset: t.commissionAsset,
      tradeId: t.id,
    })),
  };
}

/** DELETE /api/v3/order (order.cancel) and each element of DELETE /api/v3/openOrders. `clientOrderId`
 * is the cancel request's own id, `origClientOrderId` the order's, as Binance reports them. */
export function cancelJson(o: OrderView, cancelClientOrderId: string, transactTime: number): Record<string, unknown> {
  return {
    symbol: o.symbol,
    origClientOrderId: o.clientOrderId,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: cancelClientOrderId,
    transactTime,
    ...orderState(o),
    selfTradePreventionMode: STP,
  };
}

/** The order as a new order's RESULT/FULL answer and a cancel's answer both state it, in Binance's field order. */
function orderState(o: OrderView): Record<string, unknown> {
  return {
    price: fmt(o.price),
    origQty: fmt(o.origQty),
    executedQty: fmt(o.executedQty),
    origQuoteOrderQty: fmt(o.origQuoteOrderQty),
    cummulativeQuoteQty: fmt(o.cumulativeQuote),
    status: binanceStatus(o.status),
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    ...(isStop(o.type) && { stopPrice: fmt(o.stopPrice) }),
  };
}

/** GET /api/v3/myTrades. */
export function tradeJson(t: TradeView): Record<string, unknown> {
  return {
    symbol: t.symbol,
    id: t.id,
    orderId: t.orderId,
    orderListId: -1,
    price: fmt(t.price),
    qty: fmt(t.qty),
    quoteQty: fmt(t.quoteQty),
    commission: fmt(t.commission),
    commissionAsset: t.commissionAsset,
    time: t.time,
    isBuyer: t.side === 'BUY',
    isMaker: t.isMaker,
    isBestMatch: true,
  };
}

export type ExecutionType = 'NEW' | 'CANCELED' | 'REJECTED' | 'TRADE' | 'EXPIRED';

/** The user data stream's `executionReport`. For a cancel, `c` is the cancel request's id and `C`
 * the order's own id (Binance's quirk); otherwise `c` is the order's id and `C` is empty. */
export function executionReportJson(args: {
  readonly order: OrderView;
  readonly executionType: ExecutionType;
  readonly eventTime: number;
  readonly transactionTime: number;
  readonly trade?: TradeView;
  readonly cancelClientOrderId?: string;
  readonly rejectReason?: string;
}): Record<string, unknown> {
  const { order: o, trade } = args;
  const cancel = args.executionType === 'CANCELED';
  return {
    e: 'executionReport',
    E: args.eventTime,
    s: o.symbol,
    c: cancel ? (args.cancelClientOrderId ?? o.clientOrderId) : o.clientOrderId,
    S: o.side,
    o: o.type,
    f: o.timeInForce,
    q: fmt(o.origQty),
    p: fmt(o.price),
    P: fmt(o.stopPrice),
    F: fmt(0),
    g: -1,
    C: cancel ? o.clientOrderId : '',
    x: args.executionType,
    X: binanceStatus(o.status),
    r: args.executionType === 'REJECTED' ? (args.rejectReason ?? 'UNKNOWN') : 'NONE',
    i: o.orderId,
    l: fmt(trade?.qty ?? 0),
    z: fmt(o.executedQty),
    L: fmt(trade?.price ?? 0),
    n: trade ? fmt(trade.commission) : '0',
    N: trade ? trade.commissionAsset : null,
    T: args.transactionTime,
    t: trade ? trade.id : -1,
    I: o.orderId * 2 + (trade ? 1 : 0),
    w: o.isWorking,
    m: trade?.isMaker ?? false,
    M: false,
    O: o.time,
    Z: fmt(o.cumulativeQuote),
    Y: fmt(trade ? trade.quoteQty : 0),
    Q: fmt(o.origQuoteOrderQty),
    ...(o.isWorking || o.workingTime > 0 ? { W: o.workingTime } : {}),
    V: STP,
  };
}

export interface BalanceView {
  readonly asset: string;
  readonly free: Decimal;
  readonly locked: Decimal;
}

/** The user data stream's `outboundAccountPosition` (the assets an update touched). */
export function accountPositionJson(eventTime: number, updateTime: number, balances: readonly BalanceView[]): Record<string, unknown> {
  return {
    e: 'outboundAccountPosition',
    E: eventTime,
    u: updateTime,
    B: balances.map((b) => ({ a: b.asset, f: fmt(b.free), l: fmt(b.locked) })),
  };
}

export function balanceJson(b: BalanceView): Record<string, unknown> {
  return { asset: b.asset, free: fmt(b.free), locked: fmt(b.locked) };
}

/** An exchangeInfo symbol with the filters crewdesk's matching engine enforces. */
export function symbolInfoJson(f: SymbolFilters): Record<string, unknown> {
  return {
    symbol: f.symbol,
    status: 'TRADING',
    baseAsset: f.baseAsset,
    baseAssetPrecision: 8,
    quoteAsset: f.quoteAsset,
    quotePrecision: f.quotePrecision,
    quoteAssetPrecision: f.quotePrecision,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT'],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: fmt(f.minPrice), maxPrice: fmt(f.maxPrice), tickSize: fmt(f.tickSize) },
      { filterType: 'LOT_SIZE', minQty: fmt(f.minQty), maxQty: fmt(f.maxQty), stepSize: fmt(f.stepSize) },
      {
        filterType: 'MARKET_LOT_SIZE',
        minQty: fmt(f.marketMinQty),
        maxQty: fmt(f.marketMaxQty),
        stepSize: fmt(f.marketStepSize),
      },
      {
        filterType: 'NOTIONAL',
        minNotional: fmt(f.minNotional),
        applyMinToMarket: f.applyMinToMarket,
        maxNotional: fmt(f.maxNotional ?? '9000000'),
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: STP,
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

/** Estimates for the kline fields candles do not carry (quote volume, trades, taker volumes). */
function klineExtras(c: Pick<Candle, 'open' | 'high' | 'low' | 'close' | 'volume'>): {
  quoteVolume: Decimal;
  trades: number;
  takerBase: Decimal;
  takerQuote: Decimal;
} {
  const volume = dec(c.volume);
  const typical = dec(c.open).plus(c.high).plus(c.low).plus(c.close).div(4);
  const quoteVolume = volume.times(typical);
  return {
    quoteVolume,
    trades: Math.max(c.volume > 0 ? 1 : 0, Math.round(c.volume)),
    takerBase: volume.div(2),
    takerQuote: quoteVolume.div(2),
  };
}

/** GET /api/v3/klines row: [openTime, "open", "high", "low", "close", "volume", closeTime,
 * "quoteVolume", trades, "takerBuyBase", "takerBuyQuote", "0"]. */
export function klineRow(c: Candle): unknown[] {
  const x = klineExtras(c);
  return [
    c.openTime,
    fmt(c.open),
    fmt(c.high),
    fmt(c.low),
    fmt(c.close),
    fmt(c.volume),
    c.closeTime,
    fmt(x.quoteVolume),
    x.trades,
    fmt(x.takerBase),
    fmt(x.takerQuote),
    '0',
  ];
}

/** A `<symbol>@kline_<interval>` stream payload; `final` is Binance's `x`. */
export function klineEventJson(c: Candle, final: boolean, eventTime: number, firstTradeId: number): Record<string, unknown> {
  const x = klineExtras(c);
  return {
    e: 'kline',
    E: eventTime,
    s: c.symbol,
    k: {
      t: c.openTime,
      T: c.closeTime,
      s: c.symbol,
      i: c.interval,
      f: firstTradeId,
      L: firstTradeId + Math.max(0, x.trades - 1),
      o: fmt(c.open),
      c: fmt(c.close),
      h: fmt(c.high),
      l: fmt(c.low),
      v: fmt(c.volume),
      n: x.trades,
      x: final,
      q: fmt(x.quoteVolume),
      V: fmt(x.takerBase),
      Q: fmt(x.takerQuote),
      B: '0',
    },
  };
}

/** STOP_LOSS and STOP_LOSS_LIMIT: they carry a stop price and wait outside the book. */
export function isStop(type: OrderType): boolean {
  return type === 'STOP_LOSS' || type === 'STOP_LOSS_LIMIT';
}
