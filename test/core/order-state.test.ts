import { describe, expect, it } from 'vitest';
import type { OrderStatus } from '../../src/core/domain.ts';
import { canTransition, fromBinanceStatus, IllegalTransitionError, isTerminal, transition } from '../../src/core/order-state.ts';

const ALL: OrderStatus[] = ['new', 'submitted', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired', 'unknown'];

describe('order state machine', () => {
  it('walks the happy path new → submitted → partially_filled → filled', () => {
    let s: OrderStatus = 'new';
    for (const next of ['submitted', 'partially_filled', 'partially_filled', 'filled'] as const) s = transition('o1', s, next);
    expect(s).toBe('filled');
  });

  it('treats filled, cancelled, rejected and expired as terminal: nothing leaves them', () => {
    for (const terminal of ['filled', 'cancelled', 'rejected', 'expired'] as const) {
      expect(isTerminal(terminal)).toBe(true);
      for (const to of ALL.filter((s) => s !== terminal)) {
        expect(canTransition(terminal, to), `${terminal} → ${to}`).toBe(false);
        expect(() => transition('o1', terminal, to)).toThrow(IllegalTransitionError);
      }
    }
  });

  it('accepts a repeated terminal status as a no-op (a duplicate exchange update)', () => {
    expect(transition('o1', 'filled', 'filled')).toBe('filled');
  });

  it('lets an unknown order (sent, outcome unconfirmed) resolve to anything the exchange reports', () => {
    for (const to of ['submitted', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired'] as const) {
      expect(canTransition('unknown', to)).toBe(true);
    }
  });

  it('never goes back: a partially filled order cannot be submitted or rejected again', () => {
    expect(canTransition('partially_filled', 'submitted')).toBe(false);
    expect(canTransition('partially_filled', 'rejected')).toBe(false);
    expect(canTransition('submitted', 'new')).toBe(false);
  });

  it('names the order and both states in the error', () => {
    expect(() => transition('cd-x-1', 'filled', 'cancelled')).toThrow('order cd-x-1: illegal transition filled → cancelled');
  });

  it("maps Binance's statuses", () => {
    expect(fromBinanceStatus('NEW')).toBe('submitted');
    expect(fromBinanceStatus('PARTIALLY_FILLED')).toBe('partially_filled');
    expect(fromBinanceStatus('FILLED')).toBe('filled');
    expect(fromBinanceStatus('CANCELED')).toBe('cancelled');
    expect(fromBinanceStatus('REJECTED')).toBe('rejected');
    expect(fromBinanceStatus('EXPIRED')).toBe('expired');
    expect(fromBinanceStatus('EXPIRED_IN_MATCH')).toBe('expired');
    expect(fromBinanceStatus('SOMETHING_NEW')).toBe('unknown');
  });
});
