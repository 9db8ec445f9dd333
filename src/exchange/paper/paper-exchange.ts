// The paper venue behind the Exchange port: an async face over the synchronous PaperMatcher,
// so backtests and paper trading go through the same order code as live.
import type { Balance, Candle, Fill, OrderRequest, SymbolFilters } from '../../core/domain.ts';
import type { Exchange, ExchangeOrder, ExecutionUpdate } from '../../ports/exchange.ts';
import { PaperMatcher, type PaperMatcherOptions } from './paper-matcher.ts';

export class PaperExchange implements Exchange {
  readonly name = 'paper';
  readonly inProcess = true;
  readonly engine: PaperMatcher;

  constructor(engine: PaperMatcher | PaperMatcherOptions) {
    this.engine = engine instanceof PaperMatcher ? engine : new PaperMatcher(engine);
  }

  // The methods are async so a refusal arrives as a rejected promise, as from a real venue.
  async symbolFilters(symbol: string): Promise<SymbolFilters> {
    return this.engine.symbolFilters(symbol);
  }

  async balances(): Promise<readonly Balance[]> {
    return this.engine.balances();
  }

  async placeOrder(request: OrderRequest): Promise<ExchangeOrder> {
    return this.engine.placeOrder(request);
  }

  async cancelOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder> {
    return this.engine.cancelOrder(symbol, clientOrderId);
  }

  async cancelAllOrders(symbol: string): Promise<readonly ExchangeOrder[]> {
    return this.engine.cancelAllOrders(symbol);
  }

  async getOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder | null> {
    return this.engine.getOrder(symbol, clientOrderId);
  }

  async openOrders(symbol?: string): Promise<readonly ExchangeOrder[]> {
    return this.engine.openOrders(symbol);
  }

  async myTrades(symbol: string, fromTime: number): Promise<readonly Fill[]> {
    return this.engine.trades(symbol, fromTime);
  }

  onExecution(listener: (update: ExecutionUpdate) => void): () => void {
    return this.engine.onExecution(listener);
  }

  /** Synchronous on purpose: the backtest loop calls it per candle and must not yield. */
  onCandle(candle: Candle): void {
    this.engine.onCandle(candle);
  }

  async close(): Promise<void> {}
}
