// Journal records for tests: a crew instance and a new MARKET buy of 100 quote, with the fields a
// test cares about given and the rest sensible defaults.
import type { Order } from '../../src/core/domain.ts';
import { dec } from '../../src/core/money.ts';
import type { CrewInstanceRecord } from '../../src/ports/journal.ts';

export function crewRecord(id: string, at: number, overrides: Partial<CrewInstanceRecord> = {}): CrewInstanceRecord {
  return {
    id,
    module: 'flip',
    team: 'alpha',
    symbol: 'BTCUSDT',
    interval: '1m',
    params: {},
    capital: '1000',
    status: 'active',
    statusReason: '',
    state: {},
    nextOrderSeq: 1,
    venue: 'exchange',
    venueSince: at,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** A new (journaled, not yet sent) MARKET buy of 100 quote. */
export function newOrder(
  fields: Pick<Order, 'clientOrderId' | 'crewId' | 'adviceKey' | 'reason'> & { readonly at: number },
  overrides: Partial<Order> = {},
): Order {
  const { at, ...ids } = fields;
  return {
    ...ids,
    symbol: 'BTCUSDT',
    side: 'BUY',
    type: 'MARKET',
    quoteQuantity: dec('100'),
    status: 'new',
    executedQty: dec(0),
    cumulativeQuote: dec(0),
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}
