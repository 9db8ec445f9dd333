// What the risk side reads of a crew's book. The engine's CrewBook satisfies it; the risk gate and
// monitors depend on this view, not on the engine, so `risk/` never imports `engine/` (no cycle).
import type { Decimal } from '../core/money.ts';

/** A crew's slice of the account, as the gate sizes an order against it (exact money). */
export interface BookView {
  readonly crewId: string;
  readonly cash: Decimal;
  /** Quote set aside for open BUY orders. */
  readonly reserved: Decimal;
  readonly quantity: Decimal;
  /** Cash a new entry may spend (cash − reserved). */
  readonly freeCash: Decimal;
  /** Quantity not set aside for open SELL orders. */
  readonly freeQuantity: Decimal;
}

/** Which exit an order is: one list, the facts' own. */
export type { ExitKind } from '../core/events.ts';
