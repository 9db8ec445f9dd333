// A crew's book sells part of a position at its share of the cost basis, and all of it at all of it.
import { expect, it } from 'vitest';
import type { Fill } from '../../src/core/domain.ts';
import { dec } from '../../src/core/money.ts';
import { CrewBook } from '../../src/engine/crew-book.ts';

let trade = 0;
function fill(side: 'BUY' | 'SELL', quantity: string, price: string, fee: string): Fill {
  return {
    tradeId: String(++trade),
    clientOrderId: `o${trade}`,
    exchangeOrderId: String(trade),
    symbol: 'BTCUSDT',
    side,
    price: dec(price),
    quantity: dec(quantity),
    quoteQuantity: dec(quantity).times(dec(price)),
    fee: dec(fee),
    feeAsset: 'USDT',
    time: trade,
  };
}

it('realizes a partial sell on its portion of the cost basis, a full one on the rest', () => {
  const book = CrewBook.flat('c', 'BTCUSDT', 'BTC', 'USDT', dec('1000'));
  book.applyFill(fill('BUY', '2', '100', '0.2'));
  expect([book.costBasis.toString(), book.cash.toString()]).toEqual(['200.2', '799.8']);
  book.applyFill(fill('SELL', '1', '110', '0.11'));
  // Half of 200.2 out, 109.89 in.
  expect([book.quantity.toString(), book.costBasis.toString(), book.realizedPnl.toString()]).toEqual(['1', '100.1', '9.79']);
  book.applyFill(fill('SELL', '1', '90', '0.09'));
  // The other 100.1 out, 89.91 in.
  expect([book.quantity.toString(), book.costBasis.toString(), book.realizedPnl.toString(), book.cash.toString()]).toEqual(['0', '0', '-0.4', '999.6']);
  expect(book.toPosition().entryPrice).toBeNull();
});
