// Confirmations: single use, bound to the asker, expiring — on their own, with fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Confirmations } from '../../src/chat/confirmations.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('confirmations', () => {
  it('resolve once, for the user who asked', async () => {
    const store = new Confirmations();
    const { request, outcome } = store.open('owner-1', 'Flatten?');
    expect(request).toMatchObject({ actorId: 'owner-1', prompt: 'Flatten?', confirmLabel: 'Confirm' });
    expect(store.answer(request.token, 'owner-1', 'confirm')).toEqual({ ok: true, value: 'confirmed' });
    await expect(outcome).resolves.toBe('confirmed');
    // A second press of the same button is refused and changes nothing.
    expect(store.answer(request.token, 'owner-1', 'confirm')).toEqual({ ok: false, error: expect.stringContaining('already answered (confirmed)') });
    expect(store.answer(request.token, 'owner-1', 'cancel').ok).toBe(false);
  });

  it('refuse another user, and stay open for the one who asked', async () => {
    const store = new Confirmations();
    const { request, outcome } = store.open('owner-1', 'Flatten?');
    expect(store.answer(request.token, 'owner-2', 'confirm')).toEqual({ ok: false, error: expect.stringContaining('only the person who ran the command') });
    expect(store.openRequests('owner-1')).toHaveLength(1);
    expect(store.answer(request.token, 'owner-1', 'cancel')).toEqual({ ok: true, value: 'cancelled' });
    await expect(outcome).resolves.toBe('cancelled');
  });

  it('expire after 60 s by default: the outcome says so and a late answer is refused', async () => {
    const store = new Confirmations();
    const { request, outcome } = store.open('owner-1', 'Flatten?');
    expect(request.expiresAt - Date.now()).toBe(60_000);
    vi.advanceTimersByTime(59_999);
    expect(store.openRequests()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await expect(outcome).resolves.toBe('expired');
    expect(store.answer(request.token, 'owner-1', 'confirm')).toEqual({ ok: false, error: expect.stringContaining('expired') });
  });

  it('refuse an answer past its time even when the timer has not fired yet (a busy event loop)', async () => {
    let now = 1_000;
    const store = new Confirmations({ now: () => now });
    const { request, outcome } = store.open('owner-1', 'Switch to live?', { timeoutMs: 5_000 });
    now += 5_000; // the store's clock has reached the expiry; no timer has run
    expect(store.answer(request.token, 'owner-1', 'confirm')).toEqual({ ok: false, error: expect.stringContaining('expired') });
    await expect(outcome).resolves.toBe('expired');
  });

  it('say when a token is unknown, and cancel every open one at shutdown', async () => {
    const store = new Confirmations();
    expect(store.answer('nope', 'owner-1', 'confirm')).toEqual({ ok: false, error: expect.stringContaining('unknown confirmation') });
    const a = store.open('owner-1', 'a');
    const b = store.open('owner-2', 'b', { timeoutMs: 1_000, confirmLabel: 'Go' });
    expect(b.request.confirmLabel).toBe('Go');
    store.cancelAll();
    await expect(Promise.all([a.outcome, b.outcome])).resolves.toEqual(['cancelled', 'cancelled']);
    expect(store.openRequests()).toEqual([]);
  });
});
