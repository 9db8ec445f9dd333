import { describe, expect, it } from 'vitest';
import { checkFilters, defaultFilters, makeFilters, quantityFor, quoteOver, roundPrice, roundQuantity, roundQuote } from '../../src/core/filters.ts';
import { dec, floorToStep } from '../../src/core/money.ts';
import { clientOrderId, crewTag, isValidClientOrderId } from '../../src/engine/client-order-id.ts';

const btc = defaultFilters('BTCUSDT'); // tick 0.01, step 0.00001, min notional 5

describe('rounding to Binance filters', () => {
  it('rounds quantities down to the step, never up', () => {
    expect(roundQuantity(btc, dec('0.123456789'), false).toString()).toBe('0.12345');
    expect(roundQuantity(btc, dec('0.000019999'), true).toString()).toBe('0.00001');
  });

  it('leaves no float noise: 0.1 + 0.2 of a 0.1-step asset is exactly 0.3', () => {
    const xrp = defaultFilters('XRPUSDT'); // step 0.1
    const q = roundQuantity(xrp, dec(0.1).plus(dec(0.2)), false);
    expect(q.toString()).toBe('0.3');
    // The float sum would have been 0.30000000000000004
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(roundQuantity(xrp, dec(0.1 + 0.2), false).toString()).toBe('0.3');
  });

  it('rounds prices to the tick, half up', () => {
    expect(roundPrice(btc, dec('29000.005')).toString()).toBe('29000.01');
    expect(roundPrice(btc, dec('29000.004999')).toString()).toBe('29000');
  });

  it('rounds quote amounts down to the quote precision (8)', () => {
    expect(roundQuote(btc, dec('9990.009990009990009')).toString()).toBe('9990.00999');
  });

  it('sizes from a quotient as rounding the 20-place quotient would (what an order costs, what a quote buys)', () => {
    const xrp = defaultFilters('XRPUSDT');
    for (const [quote, price] of [
      ['9990.01', '1.001'],
      ['10000', '30000.01'],
      ['5', '0.5234'],
      ['123.45678912', '29999.99'],
      ['0.3', '0.1'],
    ]) {
      const q = dec(quote!);
      const p = dec(price!);
      expect(quoteOver(btc, q, p).toString()).toBe(roundQuote(btc, q.div(p)).toString());
      for (const filters of [btc, xrp]) {
        for (const market of [false, true]) expect(quantityFor(filters, q, p, market).toString()).toBe(roundQuantity(filters, q.div(p), market).toString());
      }
    }
  });

  it('floors exactly on multiples', () => {
    expect(floorToStep(dec('1.00000'), dec('0.00001')).toString()).toBe('1');
  });
});

describe('filter checks', () => {
  const at = dec('30000');
  it('accepts a well-formed order', () => {
    expect(checkFilters(btc, { type: 'LIMIT', quantity: dec('0.001'), price: dec('30000.01') }, at)).toBeNull();
  });
  it('refuses a quantity off the step (LOT_SIZE)', () => {
    expect(checkFilters(btc, { type: 'LIMIT', quantity: dec('0.000015'), price: dec('30000') }, at)?.filter).toBe('LOT_SIZE');
  });
  it('refuses a price off the tick (PRICE_FILTER)', () => {
    expect(checkFilters(btc, { type: 'LIMIT', quantity: dec('0.001'), price: dec('30000.005') }, at)?.filter).toBe('PRICE_FILTER');
  });
  it('refuses an order below the minimum notional (NOTIONAL)', () => {
    const v = checkFilters(btc, { type: 'MARKET', quantity: dec('0.0001') }, at); // 3 USDT < 5
    expect(v?.filter).toBe('NOTIONAL');
    expect(v?.detail).toContain('below minNotional 5');
  });
  it('checks quote-amount market buys by their quote amount', () => {
    expect(checkFilters(btc, { type: 'MARKET', quoteQuantity: dec('4.99') }, at)?.filter).toBe('NOTIONAL');
    expect(checkFilters(btc, { type: 'MARKET', quoteQuantity: dec('5') }, at)).toBeNull();
  });
  it('uses MARKET_LOT_SIZE for market orders when it differs', () => {
    const f = makeFilters({ symbol: 'BTCUSDT', baseAsset: 'BTC', quoteAsset: 'USDT', tickSize: '0.01', stepSize: '0.00001', marketMaxQty: '10' });
    expect(checkFilters(f, { type: 'MARKET', quantity: dec('11') }, at)?.filter).toBe('MARKET_LOT_SIZE');
  });
});

describe('client order ids', () => {
  it('are deterministic, unique per crew instance and within Binance’s 36 [A-Za-z0-9_-]', () => {
    const a = clientOrderId(crewTag('alpha.sma-btc'), 1);
    expect(a).toBe(clientOrderId(crewTag('alpha.sma-btc'), 1));
    expect(a).not.toBe(clientOrderId(crewTag('alpha.sma_btc'), 1));
    const long = clientOrderId(crewTag('a-very-long-crew-instance-name-with-many-parts'), 2 ** 40);
    expect(long.length).toBeLessThanOrEqual(36);
    expect(isValidClientOrderId(long)).toBe(true);
    expect(isValidClientOrderId(a)).toBe(true);
  });
});
