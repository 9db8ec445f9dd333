// Rounding to and checking against Binance's symbol filters (LOT_SIZE, MARKET_LOT_SIZE,
// PRICE_FILTER, NOTIONAL / MIN_NOTIONAL). Nothing leaves crewdesk that would fail them.
import type { OrderRequest, SymbolFilters } from './domain.ts';
import { type Decimal, dec, floorQuotientToStep, floorToStep, isMultipleOf, RoundingMode, roundToStep, ZERO } from './money.ts';

export interface FilterViolation {
  /** Binance's filter name, as in `-1013 Filter failure: LOT_SIZE`. */
  readonly filter: 'LOT_SIZE' | 'MARKET_LOT_SIZE' | 'PRICE_FILTER' | 'NOTIONAL' | 'MIN_NOTIONAL';
  readonly detail: string;
}

export function roundQuantity(filters: SymbolFilters, quantity: Decimal, market: boolean): Decimal {
  return floorToStep(quantity, market ? filters.marketStepSize : filters.stepSize);
}

export function roundPrice(filters: SymbolFilters, price: Decimal): Decimal {
  return roundToStep(price, filters.tickSize);
}

/** The base quantity `quote` buys at `price`, rounded down to the (market) step size:
 * `roundQuantity(filters, quote.div(price), market)`, without the 20-place quotient. */
export function quantityFor(filters: SymbolFilters, quote: Decimal, price: Decimal, market: boolean): Decimal {
  return floorQuotientToStep(quote, price, market ? filters.marketStepSize : filters.stepSize);
}

/** Quote amounts (quoteOrderQty) are rounded down to the quote asset's precision. */
export function roundQuote(filters: SymbolFilters, quote: Decimal): Decimal {
  return quote.round(filters.quotePrecision, RoundingMode.down);
}

/** `roundQuote(filters, quote.div(divisor))`, without the 20-place quotient. */
export function quoteOver(filters: SymbolFilters, quote: Decimal, divisor: Decimal): Decimal {
  const places = filters.quotePrecision;
  // A precision that is no whole number of places (never from Binance) goes the plain way.
  if (!Number.isInteger(places) || places < 0) return roundQuote(filters, quote.div(divisor));
  return quote.divToMultiple(divisor, placesStep(places), RoundingMode.down);
}

/** 10^-places, the step of an amount with that many decimals. */
const PLACE_STEPS: Decimal[] = [];
function placesStep(places: number): Decimal {
  return (PLACE_STEPS[places] ??= dec(`1e-${places}`));
}

/**
 * Checks an order against the filters. `referencePrice` is the price used for the notional of
 * MARKET orders (the last price), as Binance does with its average price.
 */
export function checkFilters(
  filters: SymbolFilters,
  order: Pick<OrderRequest, 'type' | 'quantity' | 'quoteQuantity' | 'price' | 'stopPrice'>,
  referencePrice: Decimal,
): FilterViolation | null {
  const market = order.type === 'MARKET';
  const priceProblem = priceViolation(filters, order.price) ?? priceViolation(filters, order.stopPrice);
  if (priceProblem) return priceProblem;
  if (order.quantity !== undefined) {
    const q = order.quantity;
    const step = market ? filters.marketStepSize : filters.stepSize;
    const min = market ? filters.marketMinQty : filters.minQty;
    const max = market ? filters.marketMaxQty : filters.maxQty;
    const name = market ? ('MARKET_LOT_SIZE' as const) : ('LOT_SIZE' as const);
    if (q.lte(0)) return { filter: 'LOT_SIZE', detail: `quantity ${q} is not positive` };
    if (q.lt(min)) return { filter: name, detail: `quantity ${q} below minQty ${min}` };
    if (max.gt(0) && q.gt(max)) return { filter: name, detail: `quantity ${q} above maxQty ${max}` };
    if (!isMultipleOf(q.minus(min.gt(0) ? min : ZERO), step) && !isMultipleOf(q, step)) {
      return { filter: 'LOT_SIZE', detail: `quantity ${q} is not a multiple of stepSize ${step}` };
    }
  }
  const price = order.price ?? referencePrice;
  const notional = order.quoteQuantity !== undefined ? order.quoteQuantity : (order.quantity ?? ZERO).times(price);
  if (!market || filters.applyMinToMarket) {
    if (notional.lt(filters.minNotional)) {
      return { filter: 'NOTIONAL', detail: `notional ${notional} below minNotional ${filters.minNotional}` };
    }
  }
  if (filters.maxNotional !== null && notional.gt(filters.maxNotional)) {
    return { filter: 'NOTIONAL', detail: `notional ${notional} above maxNotional ${filters.maxNotional}` };
  }
  return null;
}

/** PRICE_FILTER on a limit or stop price (none: no violation). */
function priceViolation(filters: SymbolFilters, p: Decimal | undefined): FilterViolation | null {
  if (p === undefined) return null;
  if (p.lte(0)) return { filter: 'PRICE_FILTER', detail: `price ${p} is not positive` };
  if (filters.minPrice.gt(0) && p.lt(filters.minPrice)) {
    return { filter: 'PRICE_FILTER', detail: `price ${p} below minPrice ${filters.minPrice}` };
  }
  if (filters.maxPrice.gt(0) && p.gt(filters.maxPrice)) {
    return { filter: 'PRICE_FILTER', detail: `price ${p} above maxPrice ${filters.maxPrice}` };
  }
  if (!isMultipleOf(p.minus(filters.minPrice), filters.tickSize)) {
    return { filter: 'PRICE_FILTER', detail: `price ${p} is not a multiple of tickSize ${filters.tickSize}` };
  }
  return null;
}

/** Filters for a symbol from plain strings (Binance's exchangeInfo values). */
export function makeFilters(spec: {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  tickSize: string;
  stepSize: string;
  minQty?: string;
  maxQty?: string;
  minPrice?: string;
  maxPrice?: string;
  minNotional?: string;
  maxNotional?: string | null;
  marketStepSize?: string;
  marketMinQty?: string;
  marketMaxQty?: string;
  applyMinToMarket?: boolean;
  quotePrecision?: number;
}): SymbolFilters {
  const step = dec(spec.stepSize);
  const minQty = dec(spec.minQty ?? spec.stepSize);
  const maxQty = dec(spec.maxQty ?? '9000');
  return {
    symbol: spec.symbol,
    baseAsset: spec.baseAsset,
    quoteAsset: spec.quoteAsset,
    tickSize: dec(spec.tickSize),
    minPrice: dec(spec.minPrice ?? spec.tickSize),
    maxPrice: dec(spec.maxPrice ?? '1000000'),
    stepSize: step,
    minQty,
    maxQty,
    marketStepSize: dec(spec.marketStepSize ?? spec.stepSize),
    marketMinQty: dec(spec.marketMinQty ?? spec.minQty ?? spec.stepSize),
    marketMaxQty: dec(spec.marketMaxQty ?? spec.maxQty ?? '9000'),
    minNotional: dec(spec.minNotional ?? '5'),
    maxNotional: spec.maxNotional === undefined || spec.maxNotional === null ? null : dec(spec.maxNotional),
    applyMinToMarket: spec.applyMinToMarket ?? true,
    quotePrecision: spec.quotePrecision ?? 8,
  };
}

/** Splits "BTCUSDT" into base and quote by the well-known quote assets. */
export function splitSymbol(symbol: string): { base: string; quote: string } {
  for (const quote of ['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY']) {
    if (symbol.endsWith(quote) && symbol.length > quote.length) {
      return { base: symbol.slice(0, -quote.length), quote };
    }
  }
  throw new Error(`cannot tell the quote asset of symbol ${symbol}`);
}

/**
 * Binance Spot's filters for well-known symbols (as published in exchangeInfo), so that paper
 * trading and the emulator round exactly as the real exchange does. Other symbols get
 * conservative defaults derived from their price level by `defaultFilters`.
 */
const KNOWN: Record<string, { tickSize: string; stepSize: string; minNotional: string }> = {
  BTCUSDT: { tickSize: '0.01', stepSize: '0.00001', minNotional: '5' },
  ETHUSDT: { tickSize: '0.01', stepSize: '0.0001', minNotional: '5' },
  BNBUSDT: { tickSize: '0.01', stepSize: '0.001', minNotional: '5' },
  SOLUSDT: { tickSize: '0.01', stepSize: '0.001', minNotional: '5' },
  LTCUSDT: { tickSize: '0.01', stepSize: '0.001', minNotional: '5' },
  DASHUSDT: { tickSize: '0.01', stepSize: '0.001', minNotional: '5' },
  XRPUSDT: { tickSize: '0.0001', stepSize: '0.1', minNotional: '5' },
  ADAUSDT: { tickSize: '0.0001', stepSize: '0.1', minNotional: '5' },
  DOGEUSDT: { tickSize: '0.00001', stepSize: '1', minNotional: '1' },
};

export function defaultFilters(symbol: string, priceLevel?: number): SymbolFilters {
  const { base, quote } = splitSymbol(symbol);
  const known = KNOWN[symbol];
  if (known) {
    return makeFilters({ symbol, baseAsset: base, quoteAsset: quote, ...known, maxQty: '9000000' });
  }
  // Unknown symbol: pick a tick of ~1e-6 of the price and a step worth ~1e-3 quote at most.
  const level = priceLevel && priceLevel > 0 ? priceLevel : 1;
  const tickExp = Math.min(8, Math.max(0, 6 - Math.floor(Math.log10(level))));
  const stepExp = Math.min(8, Math.max(0, Math.floor(Math.log10(level)) + 3));
  return makeFilters({
    symbol,
    baseAsset: base,
    quoteAsset: quote,
    tickSize: (10 ** -tickExp).toFixed(tickExp),
    stepSize: (10 ** -stepExp).toFixed(stepExp),
    minNotional: '5',
    maxQty: '9000000',
  });
}
