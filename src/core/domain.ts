// The trading domain: plain immutable values shared by every part of crewdesk.
import type { Decimal } from './money.ts';

/** Binance kline intervals crewdesk trades on. */
export const INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];

const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
};

export function intervalMs(interval: Interval): number {
  return INTERVAL_MS[interval];
}

export function isInterval(value: string): value is Interval {
  return (INTERVALS as readonly string[]).includes(value);
}

/** A closed candle. Prices are floats: candles are market data (signals), not money. */
export interface Candle {
  readonly symbol: string;
  readonly interval: Interval;
  /** Open time, ms since epoch (UTC). */
  readonly openTime: number;
  /** Close time, ms since epoch: openTime + interval − 1, as Binance reports it. */
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export type OrderSide = 'BUY' | 'SELL';
export type OrderType = 'MARKET' | 'LIMIT' | 'STOP_LOSS' | 'STOP_LOSS_LIMIT';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';

/** Order life: new (journaled, not yet sent) → submitted → partially_filled → filled | cancelled | rejected | expired;
 * `unknown` is a sent order whose outcome the exchange has not confirmed yet (a timeout, a dropped response). */
export type OrderStatus = 'new' | 'submitted' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'expired' | 'unknown';

/** What is sent to an exchange. Exactly one of quantity / quoteQuantity is set (quoteQuantity: MARKET only). */
export interface OrderRequest {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity?: Decimal;
  /** Spend (BUY) or receive (SELL) this much quote asset; Binance's `quoteOrderQty`. */
  readonly quoteQuantity?: Decimal;
  readonly price?: Decimal;
  readonly stopPrice?: Decimal;
  readonly timeInForce?: TimeInForce;
}

/** Why an order exists: a trade the desk decided (an entry or an exit), or a protective stop resting on the
 * exchange for a held position (src/engine/protective-stops.ts). */
export type OrderPurpose = 'trade' | 'protective';

/** An order as crewdesk tracks it (journal row). */
export interface Order extends OrderRequest {
  readonly crewId: string;
  /** Absent means 'trade'. */
  readonly purpose?: OrderPurpose;
  readonly status: OrderStatus;
  readonly exchangeOrderId?: string;
  readonly executedQty: Decimal;
  readonly cumulativeQuote: Decimal;
  /** The advice that caused this order (crew id + candle time): at most one order per advice. */
  readonly adviceKey: string;
  readonly reason: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One execution. Fees are charged in `feeAsset` (the quote asset in paper trading). */
export interface Fill {
  readonly tradeId: string;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: Decimal;
  readonly quantity: Decimal;
  readonly quoteQuantity: Decimal;
  readonly fee: Decimal;
  readonly feeAsset: string;
  readonly time: number;
}

export interface Balance {
  readonly asset: string;
  readonly free: Decimal;
  readonly locked: Decimal;
}

/** A crew instance's book: its own slice of the account. */
export interface Position {
  readonly crewId: string;
  readonly symbol: string;
  /** Base asset held. */
  readonly quantity: Decimal;
  /** Quote spent on the base held, fees included (for the average entry price). */
  readonly costBasis: Decimal;
  /** Quote cash available to the crew. */
  readonly cash: Decimal;
  readonly realizedPnl: Decimal;
  readonly feesPaid: Decimal;
  /** When the current position was opened (ms), or null when flat. */
  readonly entryTime: number | null;
  readonly entryPrice: Decimal | null;
}

/** Binance's symbol filters that crewdesk checks before sending anything. */
export interface SymbolFilters {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly tickSize: Decimal;
  readonly minPrice: Decimal;
  readonly maxPrice: Decimal;
  readonly stepSize: Decimal;
  readonly minQty: Decimal;
  readonly maxQty: Decimal;
  /** MARKET_LOT_SIZE step when the exchange sets one, else the LOT_SIZE step. */
  readonly marketStepSize: Decimal;
  readonly marketMinQty: Decimal;
  readonly marketMaxQty: Decimal;
  readonly minNotional: Decimal;
  readonly maxNotional: Decimal | null;
  /** Whether the min notional applies to MARKET orders (NOTIONAL.applyMinToMarket). */
  readonly applyMinToMarket: boolean;
  readonly quotePrecision: number;
}

/** What a crew says on a closed candle. It is advice: the risk gate decides, the order manager acts. */
export type Advice =
  | { readonly action: 'hold'; readonly reason?: string }
  | {
      readonly action: 'buy';
      /** Fraction of the crew's free cash to spend, 0 < size ≤ 1. */
      readonly size: number;
      readonly reason: string;
      /** A LIMIT order at this price instead of MARKET. */
      readonly limitPrice?: number;
    }
  | {
      readonly action: 'sell';
      /** Fraction of the crew's position to sell, 0 < size ≤ 1. */
      readonly size: number;
      readonly reason: string;
      readonly limitPrice?: number;
    };

export const HOLD: Advice = Object.freeze({ action: 'hold' });

export type HaltLevel = 'none' | 'entries' | 'cancel' | 'flatten';

export interface HaltState {
  readonly level: HaltLevel;
  readonly reason: string;
  readonly actor: string;
  readonly since: number | null;
}

/** Where a desk's orders go: the in-process paper exchange, Binance Spot's testnet, or Binance Spot. */
export type TradingMode = 'paper' | 'testnet' | 'live';
export const TRADING_MODES: readonly TradingMode[] = ['paper', 'testnet', 'live'];

/**
 * Where one crew instance trades: `paper` (the in-process paper exchange, on the desk's market
 * data) or `exchange` (the desk's venue for its mode: Binance Spot testnet or live; in a paper desk
 * that is the paper exchange too, so a paper desk is all paper).
 */
export type VenueName = 'paper' | 'exchange';
export const VENUE_NAMES: readonly VenueName[] = ['paper', 'exchange'];
