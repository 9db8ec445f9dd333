import type { ExchangeTrouble } from '../core/events.ts';
import type { Balance, Candle, Fill, OrderRequest, OrderSide, OrderStatus, OrderType, SymbolFilters } from '../core/domain.ts';
import type { Decimal } from '../core/money.ts';

/** The exchange's view of one order (Binance's order response / executionReport, normalised). */
export interface ExchangeOrder {
  readonly clientOrderId: string;
  readonly exchangeOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly status: OrderStatus;
  readonly quantity: Decimal;
  readonly price: Decimal;
  readonly executedQty: Decimal;
  readonly cumulativeQuote: Decimal;
  readonly time: number;
  readonly updateTime: number;
}

/** An order update pushed by the exchange; `fill` is set when this update is an execution. */
export interface ExecutionUpdate {
  readonly order: ExchangeOrder;
  readonly fill?: Fill;
  readonly rejectReason?: string;
}

/** A refusal by the exchange, with Binance's code and message (e.g. -2010, -1013). */
export class ExchangeError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

/**
 * The exchange port: Binance Spot semantics. Implemented by the paper exchange (in process),
 * the Binance adapter (REST + WebSocket API) and, through that adapter, the local emulator.
 */
export interface Exchange {
  readonly name: string;
  /**
   * True for a simulated venue living in this process (the paper exchange): it starts empty after a
   * restart, so reconciliation expires what the journal holds open instead of asking it, and there is no
   * older crewdesk's intent log to replay for it. Orders are journaled and committed before they are sent
   * to it all the same (write-ahead holds in every mode). Real venues leave this unset.
   */
  readonly inProcess?: boolean;
  symbolFilters(symbol: string): Promise<SymbolFilters>;
  balances(): Promise<readonly Balance[]>;
  /** Places an order; resolves with its state right after acceptance. Rejects with ExchangeError on refusal. */
  placeOrder(request: OrderRequest): Promise<ExchangeOrder>;
  cancelOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder>;
  cancelAllOrders(symbol: string): Promise<readonly ExchangeOrder[]>;
  /** The order by client order id, or null when the exchange does not know it (-2013). */
  getOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder | null>;
  openOrders(symbol?: string): Promise<readonly ExchangeOrder[]>;
  /** Trades of a symbol since `fromTime` (ms), for reconciliation. */
  myTrades?(symbol: string, fromTime: number): Promise<readonly Fill[]>;
  /** Subscribes to order updates and fills. Subscribe before trading starts so no fill is missed. */
  onExecution(listener: (update: ExecutionUpdate) => void): () => void;
  /** Episodes of trouble with the venue (bans, rate limits, clock faults, runs of rejections), once each; venues without them leave this out. */
  onTrouble?(listener: (fact: ExchangeTrouble) => void): () => void;
  /** Simulated venues match resting orders against each closed candle; real venues leave this out. */
  onCandle?(candle: Candle): void;
  close?(): Promise<void>;
}
