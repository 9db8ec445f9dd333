// The exchange port on Binance Spot, through @binance/spot: new orders and cancels over the
// WebSocket API (`order.place`, `order.cancel`) on the connection that also carries the user data
// stream, REST for everything else and for orders while that connection is down; the user data
// stream for order updates and fills, and REST polling while it is down.
// Why orders go over the WebSocket API: it is one signed JSON frame on a connection that is open
// anyway, where a REST order is a whole HTTP request through the connector's HTTP client — about
// ten times the CPU per order, which 20 crews deciding on one candle close pay one after another.
// An order goes by REST only when it was not sent at all over the WebSocket API (no connection at
// the moment of sending); one whose answer did not come back is unknown, looked up by its client
// order id, never sent again by the other way.
// `BinanceExchange.connect` checks the clock, subscribes to the user data stream and only then
// returns, so the caller is listening before anything is sent.
import { z } from 'zod';
import type { Balance, Fill, OrderRequest, SymbolFilters } from '../../core/domain.ts';
import type { ExchangeTrouble } from '../../core/events.ts';
import type { Logger } from '../../log/logger.ts';
import { type Exchange, ExchangeError, type ExchangeOrder, type ExecutionUpdate } from '../../ports/exchange.ts';
import type { BinanceEndpoints } from './modes.ts';
import { OrderWatch } from './order-watch.ts';
import { BinanceRest, type BinanceRestOptions, type CallKind, WsApiUnavailable } from './rest-client.ts';
import { UserDataStream } from './user-data-stream.ts';
import {
  accountPositionSchema,
  accountSchema,
  balancesFromPosition,
  cancelAllSchema,
  cancelledOrder,
  cancelSchema,
  exchangeInfoSchema,
  executionReportSchema,
  fillFromReport,
  fillFromTrade,
  filtersFromSymbolInfo,
  newOrderFullSchema,
  orderFromJson,
  orderFromReport,
  orderSchema,
  placedFills,
  placedOrder,
  tradeSchema,
} from './wire.ts';

export interface BinanceExchangeOptions extends Omit<BinanceRestOptions, 'restUrl' | 'apiKey' | 'apiSecret'> {
  readonly endpoints: Pick<BinanceEndpoints, 'restUrl' | 'wsApiUrl'>;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** REST polling interval while the user data stream is down (default 2000 ms). */
  readonly pollIntervalMs?: number;
  /** How long symbol filters are trusted before exchangeInfo is asked again (default 1 h). */
  readonly filtersTtlMs?: number;
  /** How often the server-clock offset is measured again (default 10 min). */
  readonly clockCheckMs?: number;
  /** The connector's WebSocket API reconnect delay (default 1000 ms). */
  readonly wsReconnectDelayMs?: number;
  /** How often the user data subscription is checked to exist (default 60 s). */
  readonly streamHealthCheckMs?: number;
  /** After a new order got no answer, when to ask for it by client order id (ms after the failure; default 250, 1000, 3000). */
  readonly unknownOrderChecksMs?: readonly number[];
  /** New orders and cancels over the WebSocket API while it is connected (default true); false: always REST. */
  readonly ordersOverWsApi?: boolean;
}

interface CachedFilters {
  readonly filters: SymbolFilters;
  readonly at: number;
}

interface CachedBalance extends Balance {
  readonly updatedAt: number;
}

const MY_TRADES_LIMIT = 1000;
const DAY_MS = 86_400_000;

export class BinanceExchange implements Exchange {
  readonly name = 'binance';
  /** The REST client (share it with BinanceMarketData: one rate-limit gate for the process, as Binance counts per IP). */
  readonly rest: BinanceRest;
  private readonly watch: OrderWatch;
  private readonly stream: UserDataStream;
  private readonly log: Logger | undefined;
  private readonly filters = new Map<string, CachedFilters>();
  private readonly filtersLoading = new Map<string, Promise<SymbolFilters>>();
  private readonly balanceCache = new Map<string, CachedBalance>();
  /** The balance cache is complete and kept current by the stream (seeded by REST since the last subscription). */
  private balancesCurrent = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private clockTimer: NodeJS.Timeout | null = null;
  private readonly checkTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  private constructor(private readonly options: BinanceExchangeOptions) {
    this.log = options.log;
    this.rest = new BinanceRest({ ...options, restUrl: options.endpoints.restUrl, apiKey: options.apiKey, apiSecret: options.apiSecret });
    this.watch = new OrderWatch(
      {
        openOrders: (symbol) => this.openOrders(symbol),
        getOrder: (symbol, id) => this.fetchOrder(symbol, id),
        tradesOfOrder: (order) => this.tradesOfOrder(order),
      },
      options.log,
    );
    this.stream = new UserDataStream({
      wsApiUrl: options.endpoints.wsApiUrl,
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      reconnectDelayMs: options.wsReconnectDelayMs ?? 1000,
      ...(options.streamHealthCheckMs !== undefined && { healthCheckMs: options.streamHealthCheckMs }),
      recvWindow: () => this.rest.recvWindow,
      onEvent: (event) => this.onStreamEvent(event),
      onUp: () => this.streamUp(),
      onDown: () => this.streamDown(),
      gate: this.rest,
      ...(options.log !== undefined && { log: options.log }),
    });
  }

  /**
   * Measures the server clock (ClockSkewError when it is too far off), subscribes to the user data
   * stream (falling back to polling while it cannot) and starts the periodic clock check.
   */
  static async connect(options: BinanceExchangeOptions): Promise<BinanceExchange> {
    const exchange = new BinanceExchange(options);
    try {
      await exchange.rest.syncClock();
      await exchange.stream.start();
    } catch (error) {
      await exchange.close();
      throw error;
    }
    exchange.clockTimer = setInterval(() => void exchange.checkClock(), options.clockCheckMs ?? 600_000);
    exchange.clockTimer.unref();
    return exchange;
  }

  /** Whether order updates arrive by the stream (else by polling). */
  get streaming(): boolean {
    return this.stream.up;
  }

  /** New orders placed (answered) so far, by the way they went: the WebSocket API, or REST as the fallback. */
  readonly ordersSent = { wsApi: 0, rest: 0 };
  /** Whether the WebSocket API connection's messages are parsed natively and its orders written directly
   * (ws-api-messages.ts, ws-api-requests.ts), rather than by the connector. */
  get wsApiFastPath(): boolean {
    return this.stream.parsesNatively && this.stream.writesRequests;
  }

  // ── Port ──────────────────────────────────────────────────────────────────────────────────

  async symbolFilters(symbol: string): Promise<SymbolFilters> {
    const cached = this.filters.get(symbol);
    const ttl = this.options.filtersTtlMs ?? 3_600_000;
    if (cached !== undefined && Date.now() - cached.at < ttl) return cached.filters;
    let loading = this.filtersLoading.get(symbol);
    if (loading === undefined) {
      loading = this.loadFilters(symbol).finally(() => this.filtersLoading.delete(symbol));
      this.filtersLoading.set(symbol, loading);
    }
    try {
      return await loading;
    } catch (error) {
      // Stale filters beat none when exchangeInfo cannot be reached; a refusal (unknown symbol) is final.
      if (cached !== undefined && !(error instanceof ExchangeError)) {
        this.log?.warn({ symbol, err: (error as Error).message }, 'Binance: exchangeInfo refresh failed; keeping the filters already known');
        return cached.filters;
      }
      throw error;
    }
  }

  async balances(): Promise<readonly Balance[]> {
    if (this.balancesCurrent && this.stream.up) return this.cachedBalances();
    const account = await this.rest.call(
      'GET /api/v3/account',
      'read',
      (recvWindow) => this.rest.api.getAccount({ omitZeroBalances: true, recvWindow }),
      accountSchema,
    );
    // Merged by update time: a stream event that arrived while this request was out is newer.
    const at = account.updateTime ?? 0;
    const listed = new Set(account.balances.map((b) => b.asset));
    for (const b of account.balances) {
      const known = this.balanceCache.get(b.asset);
      if (known === undefined || known.updatedAt <= at) this.balanceCache.set(b.asset, { ...b, updatedAt: at });
    }
    for (const [asset, known] of this.balanceCache) if (!listed.has(asset) && known.updatedAt <= at) this.balanceCache.delete(asset);
    this.balancesCurrent = this.stream.up;
    return this.cachedBalances();
  }

  async placeOrder(request: OrderRequest): Promise<ExchangeOrder> {
    const params: Record<string, string | number> = {
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      newClientOrderId: request.clientOrderId,
      newOrderRespType: 'FULL',
    };
    // Decimals go as Binance's decimal strings, never through a float.
    if (request.quantity !== undefined) params.quantity = request.quantity.toString();
    if (request.quoteQuantity !== undefined) params.quoteOrderQty = request.quoteQuantity.toString();
    if (request.price !== undefined) params.price = request.price.toString();
    if (request.stopPrice !== undefined) params.stopPrice = request.stopPrice.toString();
    if (request.type === 'LIMIT' || request.type === 'STOP_LOSS_LIMIT') params.timeInForce = request.timeInForce ?? 'GTC';

    this.watch.watch(request.symbol, request.clientOrderId);
    let placed: z.output<typeof newOrderFullSchema>;
    try {
      let route: 'wsApi' | 'rest';
      [placed, route] = await this.overWsApi('order.place', 'order', params, newOrderFullSchema, () =>
        this.rest.call(
          'POST /api/v3/order',
          'order',
          // The generated newOrder() types decimals as numbers; the generic signed request takes them as strings.
          (recvWindow) => this.rest.api.sendSignedRequest('/api/v3/order', 'POST', { ...params, recvWindow }),
          newOrderFullSchema,
        ),
      );
      this.ordersSent[route]++;
    } catch (error) {
      if (error instanceof ExchangeError) this.watch.unwatch(request.clientOrderId);
      else this.scheduleChecks(request.symbol, request.clientOrderId);
      throw error;
    }
    const order = placedOrder(placed);
    // Fills that came with the answer are handed out before it (the stream may have brought them already: once only).
    this.watch.fromFills(order, placedFills(placed));
    this.watch.note(order);
    return order;
  }

  async cancelOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder> {
    let attempts = 0;
    try {
      const [cancelled] = await this.overWsApi(
        'order.cancel',
        'cancel',
        { symbol, origClientOrderId: clientOrderId },
        cancelSchema,
        () =>
          this.rest.call(
            'DELETE /api/v3/order',
            'cancel',
            (recvWindow) => {
              attempts++;
              return this.rest.api.deleteOrder({ symbol, origClientOrderId: clientOrderId, recvWindow });
            },
            cancelSchema,
          ),
        () => attempts++,
      );
      const order = cancelledOrder(cancelled, Date.now());
      this.watch.note(order);
      return order;
    } catch (error) {
      // A repeated cancel whose first attempt went through meets -2011: the order is cancelled all the same.
      if (error instanceof ExchangeError && error.code === -2011 && attempts > 1) {
        const order = await this.fetchOrder(symbol, clientOrderId);
        if (order !== null && order.status === 'cancelled') return order;
      }
      throw error;
    }
  }

  async cancelAllOrders(symbol: string): Promise<readonly ExchangeOrder[]> {
    let results: z.output<typeof cancelAllSchema>;
    try {
      results = await this.rest.call(
        'DELETE /api/v3/openOrders',
        'cancel',
        (recvWindow) => this.rest.api.deleteOpenOrders({ symbol, recvWindow }),
        cancelAllSchema,
      );
    } catch (error) {
      // Nothing open on the symbol: Binance says -2011; the port (like the paper venue) says [].
      if (error instanceof ExchangeError && error.code === -2011) return [];
      throw error;
    }
    const now = Date.now();
    const orders: ExchangeOrder[] = [];
    for (const r of results) {
      if (!('origClientOrderId' in r)) continue;
      const order = cancelledOrder(r, now);
      this.watch.note(order);
      orders.push(order);
    }
    return orders;
  }

  async getOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder | null> {
    const order = await this.fetchOrder(symbol, clientOrderId);
    // An order asked about by its client id is ours (reconciliation): watch it while it is open.
    if (order !== null) this.watch.note(order, { watch: true });
    return order;
  }

  async openOrders(symbol?: string): Promise<readonly ExchangeOrder[]> {
    const list = await this.rest.call(
      symbol === undefined ? 'GET /api/v3/openOrders' : `GET /api/v3/openOrders ${symbol}`,
      'read',
      (recvWindow) => this.rest.api.getOpenOrders({ ...(symbol !== undefined && { symbol }), recvWindow }),
      z.array(orderSchema),
    );
    return list.map(orderFromJson);
  }

  /**
   * Trades of a symbol from `fromTime` (ms) to now, oldest first. Binance serves at most 24 h per
   * query and 1000 trades per page, so the span is walked day by day and page by page.
   */
  async myTrades(symbol: string, fromTime: number): Promise<readonly Fill[]> {
    const trades = new Map<string, z.output<typeof tradeSchema>>();
    const end = this.rest.serverNow();
    let start = fromTime;
    while (start <= end) {
      const windowEnd = Math.min(start + DAY_MS - 1, end);
      const from = start;
      const page = await this.rest.call(
        `GET /api/v3/myTrades ${symbol}`,
        'read',
        (recvWindow) => this.rest.api.myTrades({ symbol, startTime: from, endTime: windowEnd, limit: MY_TRADES_LIMIT, recvWindow }),
        z.array(tradeSchema),
      );
      for (const t of page) trades.set(t.id, t);
      // A full page: go on from its last trade's time (trades of that millisecond come again; the map dedupes).
      start = page.length === MY_TRADES_LIMIT ? Math.max(start + 1, page.at(-1)!.time) : windowEnd + 1;
    }
    // Trades do not carry client order ids: each order is asked once.
    const clientIds = new Map<string, string>();
    const fills: Fill[] = [];
    for (const t of trades.values()) {
      let clientOrderId = clientIds.get(t.orderId);
      if (clientOrderId === undefined) {
        clientOrderId = await this.clientOrderIdOf(symbol, t.orderId);
        clientIds.set(t.orderId, clientOrderId);
      }
      fills.push(fillFromTrade(t, clientOrderId));
    }
    return fills.sort((a, b) => a.time - b.time || Number(BigInt(a.tradeId) - BigInt(b.tradeId)));
  }

  onExecution(listener: (update: ExecutionUpdate) => void): () => void {
    return this.watch.onExecution(listener);
  }

  onTrouble(listener: (fact: ExchangeTrouble) => void): () => void {
    return this.rest.trouble.on(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (this.clockTimer !== null) clearInterval(this.clockTimer);
    this.clockTimer = null;
    for (const t of this.checkTimers) clearTimeout(t);
    this.checkTimers.clear();
    await this.stream.close();
  }

  // ── Extras ─────────────────────────────────────────────────────────────────────────────────

  /** Balances as the stream last told them (seeded by REST): no request. */
  cachedBalances(): Balance[] {
    return [...this.balanceCache.values()].map(({ asset, free, locked }) => ({ asset, free, locked })).sort((a, b) => a.asset.localeCompare(b.asset));
  }

  /** Watches an order found elsewhere (e.g. adopted at reconciliation) so polling covers it while the stream is down. */
  watchOrder(symbol: string, clientOrderId: string): void {
    this.watch.watch(symbol, clientOrderId);
  }

  /** Polls REST for the watched orders now (what the fallback does on its interval). */
  pollNow(): Promise<void> {
    return this.watch.poll();
  }

  // ── Internals ──────────────────────────────────────────────────────────────────────────────

  /**
   * A signed request over the WebSocket API (`method` with `params`; recvWindow added) while its
   * connection is open, else (or when it turns out not to be open at the moment of sending:
   * nothing was sent) the same request by REST (`viaRest`). `onAttempt` hears of every sending.
   */
  private async overWsApi<S extends z.ZodType>(
    method: string,
    kind: CallKind,
    params: Readonly<Record<string, string | number>>,
    schema: S,
    viaRest: () => Promise<z.output<S>>,
    onAttempt?: () => void,
  ): Promise<[z.output<S>, 'wsApi' | 'rest']> {
    if (this.options.ordersOverWsApi !== false && this.stream.connected) {
      try {
        const answer = await this.rest.callWsApi(
          method,
          kind,
          (recvWindow) => {
            onAttempt?.();
            return this.stream.request(method, { ...params, recvWindow });
          },
          schema,
        );
        return [answer, 'wsApi'];
      } catch (error) {
        if (!(error instanceof WsApiUnavailable)) throw error;
        this.log?.info({ reason: error.message }, 'Binance: the WebSocket API went away before the request was sent; sending it by REST');
      }
    }
    return [await viaRest(), 'rest'];
  }

  private async loadFilters(symbol: string): Promise<SymbolFilters> {
    const info = await this.rest.call(`GET /api/v3/exchangeInfo ${symbol}`, 'read', () => this.rest.api.exchangeInfo({ symbol }), exchangeInfoSchema, {
      signed: false,
    });
    this.rest.adoptRateLimits(info.rateLimits ?? []);
    const entry = info.symbols.find((s) => s.symbol === symbol);
    if (entry === undefined) throw new ExchangeError(-1121, `Invalid symbol: ${symbol} is not in exchangeInfo.`);
    if (entry.status !== 'TRADING') this.log?.warn({ symbol, status: entry.status }, 'Binance: symbol is not TRADING');
    const filters = filtersFromSymbolInfo(entry);
    this.filters.set(symbol, { filters, at: Date.now() });
    return filters;
  }

  /** GET /api/v3/order by client order id; null when Binance does not know it (-2013). */
  private async fetchOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder | null> {
    try {
      const o = await this.rest.call(
        `GET /api/v3/order ${clientOrderId}`,
        'read',
        (recvWindow) => this.rest.api.getOrder({ symbol, origClientOrderId: clientOrderId, recvWindow }),
        orderSchema,
      );
      return orderFromJson(o);
    } catch (error) {
      if (error instanceof ExchangeError && error.code === -2013) return null;
      throw error;
    }
  }

  private async tradesOfOrder(order: ExchangeOrder): Promise<Fill[]> {
    const trades = await this.rest.call(
      `GET /api/v3/myTrades ${order.symbol} order ${order.exchangeOrderId}`,
      'read',
      (recvWindow) => this.rest.api.myTrades({ symbol: order.symbol, orderId: Number(order.exchangeOrderId), recvWindow }),
      z.array(tradeSchema),
    );
    return trades.map((t) => fillFromTrade(t, order.clientOrderId));
  }

  private async clientOrderIdOf(symbol: string, exchangeOrderId: string): Promise<string> {
    const o = await this.rest.call(
      `GET /api/v3/order #${exchangeOrderId}`,
      'read',
      (recvWindow) => this.rest.api.getOrder({ symbol, orderId: Number(exchangeOrderId), recvWindow }),
      orderSchema,
    );
    return o.clientOrderId;
  }

  private onStreamEvent(event: unknown): void {
    const type = typeof event === 'object' && event !== null ? (event as { e?: unknown }).e : undefined;
    if (type === 'executionReport') {
      const parsed = executionReportSchema.safeParse(event);
      if (!parsed.success) {
        // What it said is fetched by REST instead: an order update is never just dropped.
        this.log?.error(
          { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
          'Binance: malformed executionReport; asking REST instead',
        );
        void this.watch.poll();
        return;
      }
      const report = parsed.data;
      this.watch.fromStream(orderFromReport(report), fillFromReport(report));
    } else if (type === 'outboundAccountPosition') {
      const parsed = accountPositionSchema.safeParse(event);
      if (!parsed.success) {
        this.balancesCurrent = false;
        this.log?.error('Binance: malformed outboundAccountPosition ignored (balances will be asked by REST)');
        return;
      }
      for (const b of balancesFromPosition(parsed.data)) {
        const known = this.balanceCache.get(b.asset);
        if (known !== undefined && known.updatedAt > parsed.data.u) continue;
        this.balanceCache.set(b.asset, { ...b, updatedAt: parsed.data.u });
      }
    }
    // Other events (balanceUpdate, listStatus, eventStreamTerminated, externalLockUpdate) carry nothing crewdesk uses.
  }

  private streamUp(): void {
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    // Balances changed while unsubscribed are not in the cache: the next balances() asks REST.
    this.balancesCurrent = false;
    // Whatever happened between the drop and this subscription came by neither: one last poll.
    if (this.watch.inFlight > 0) void this.watch.poll();
  }

  private streamDown(): void {
    this.balancesCurrent = false;
    if (this.closed || this.pollTimer !== null) return;
    this.pollTimer = setInterval(() => {
      if (this.watch.inFlight > 0) void this.watch.poll();
    }, this.options.pollIntervalMs ?? 2000);
    this.pollTimer.unref();
  }

  private scheduleChecks(symbol: string, clientOrderId: string): void {
    const delays = this.options.unknownOrderChecksMs ?? [250, 1000, 3000];
    const run = (i: number): void => {
      if (this.closed || i >= delays.length) return;
      const timer = setTimeout(
        () => {
          this.checkTimers.delete(timer);
          this.watch
            .check(symbol, clientOrderId)
            .then((found) => {
              if (found === null) run(i + 1);
            })
            .catch(() => run(i + 1));
        },
        delays[i]! - (i > 0 ? delays[i - 1]! : 0),
      );
      timer.unref();
      this.checkTimers.add(timer);
    };
    run(0);
  }

  private async checkClock(): Promise<void> {
    try {
      await this.rest.syncClock();
    } catch (error) {
      this.log?.error({ err: error instanceof Error ? error.message : String(error) }, 'Binance: server clock check failed');
    }
  }
}
