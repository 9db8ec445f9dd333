// The order state machine. Every status change goes through `transition`, so an illegal
// move (a filled order "cancelled", a rejected one "filled") is a bug caught where it happens.
import type { OrderStatus } from './domain.ts';

const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  new: ['submitted', 'partially_filled', 'filled', 'rejected', 'unknown', 'cancelled', 'expired'],
  submitted: ['partially_filled', 'filled', 'cancelled', 'rejected', 'expired', 'unknown'],
  partially_filled: ['partially_filled', 'filled', 'cancelled', 'expired', 'unknown'],
  unknown: ['submitted', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired', 'unknown'],
  filled: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['filled', 'cancelled', 'rejected', 'expired'];

export function isTerminal(status: OrderStatus): boolean {
  return NEXT[status].length === 0;
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly clientOrderId: string,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`order ${clientOrderId}: illegal transition ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Returns `to` when the move is legal; throws otherwise. A repeat of the same terminal status is a no-op. */
export function transition(clientOrderId: string, from: OrderStatus, to: OrderStatus): OrderStatus {
  if (from === to && isTerminal(from)) return from;
  if (!canTransition(from, to)) throw new IllegalTransitionError(clientOrderId, from, to);
  return to;
}

/** Binance's order status names → ours. */
export function fromBinanceStatus(status: string): OrderStatus {
  switch (status) {
    case 'NEW':
    case 'PENDING_NEW':
      return 'submitted';
    case 'PARTIALLY_FILLED':
      return 'partially_filled';
    case 'FILLED':
      return 'filled';
    case 'CANCELED':
    case 'PENDING_CANCEL':
      return 'cancelled';
    case 'REJECTED':
      return 'rejected';
    case 'EXPIRED':
    case 'EXPIRED_IN_MATCH':
      return 'expired';
    default:
      return 'unknown';
  }
}
