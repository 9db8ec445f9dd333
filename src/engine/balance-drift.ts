// Balance drift: the crews' books must not claim more of an asset than the account holds.
import type { Balance, SymbolFilters } from '../core/domain.ts';
import { type Decimal, dec, toText, ZERO } from '../core/money.ts';
import type { CrewBook } from './crew-book.ts';

/** What the check reads of a crew instance. */
export interface DriftCrew {
  readonly book: Pick<CrewBook, 'baseAsset' | 'quoteAsset' | 'quantity' | 'cash'>;
  readonly filters: Pick<SymbolFilters, 'stepSize'>;
}

/**
 * Where the crews' books claim more of an asset than the account holds (beyond `tolerance`, relative,
 * plus one step of dust per crew): one line per asset, in words. At restart and when a protective stop
 * is refused for want of the base (a position sold outside the desk).
 */
export function balanceDrift(crews: readonly DriftCrew[], balances: readonly Balance[], tolerance = 0.001): string[] {
  const held = new Map(balances.map((b) => [b.asset, b.free.plus(b.locked)] as const));
  const claimed = new Map<string, { amount: Decimal; dust: Decimal }>();
  for (const crew of crews) {
    const base = claimed.get(crew.book.baseAsset) ?? { amount: ZERO, dust: ZERO };
    claimed.set(crew.book.baseAsset, { amount: base.amount.plus(crew.book.quantity), dust: base.dust.plus(crew.filters.stepSize) });
    const quote = claimed.get(crew.book.quoteAsset) ?? { amount: ZERO, dust: ZERO };
    claimed.set(crew.book.quoteAsset, { amount: quote.amount.plus(crew.book.cash), dust: quote.dust.plus(dec('0.01')) });
  }
  const drift: string[] = [];
  for (const [asset, { amount, dust }] of claimed) {
    const has = held.get(asset) ?? ZERO;
    if (has.lt(amount.times(1 - tolerance).minus(dust))) drift.push(`${asset}: the crews' books hold ${toText(amount)}, the account ${toText(has)}`);
  }
  return drift;
}
