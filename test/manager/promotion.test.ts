// The manager may propose a promotion (paper → the exchange), never make one: whatever the autonomy,
// its propose_promotion tool makes an owner's proposal; approved, the promotion gate still decides.
import { afterEach, describe, expect, it } from 'vitest';
import { answer, callTools, fakeModel, type ManagerHarness, openManager, OWNER, toolAnswers } from './manager-harness.ts';

let m: ManagerHarness | undefined;
afterEach(async () => {
  await m?.dispose();
  m = undefined;
});

const CREWS = [{ id: 'cand', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' as const, capital: '3000', venue: 'paper' as const }];

describe('the manager and promotion', () => {
  it('proposes a promotion even in act mode, and cannot carry it out itself; the owner’s approval goes through the gate', async () => {
    const model = fakeModel()
      .respond(callTools([{ name: 'propose_promotion', args: { crew: 'cand', capital: '1000', rationale: 'Three weeks on paper, Sharpe 1.8, drift 0.3 %.' } }]))
      .respond(answer('Proposed: promote cand with 1000.'));
    m = await openManager({ model, config: { autonomy: 'act' }, crews: CREWS, teams: [{ name: 'alpha', capital: '10000', crews: CREWS }], twoVenues: true });
    const reply = await m.manager.converse('promote cand if it has earned it', 'chan-1', OWNER);
    expect(reply.actions).toEqual([]);
    expect(reply.proposals).toHaveLength(1);
    expect(reply.proposals[0]!.summary).toBe('promote cand from paper to the exchange with 1000 quote (the gate decides when approved)');
    expect(toolAnswers(model, 1)[0]).toContain('"outcome":"proposed"');
    // Nothing moved: the crew is still on paper.
    expect(m.h.desk.engine.crews.get('cand')!.venue).toBe('paper');
    // Directly, as the manager, the service refuses.
    const direct = await m.service.promoteCrew('cand', '1000', { id: 'manager', via: 'manager', isOwner: false });
    expect(direct).toEqual({ ok: false, error: 'only an owner can promote a crew to the exchange (the manager may propose it)' });
    // The owner approves: the promotion is tried as the owner's decision — and the gate still decides
    // (this desk's market keeps no candle history to replay, so there is no record to promote on).
    const approved = await m.manager.approve(reply.proposals[0]!.id, OWNER);
    expect(approved.ok).toBe(false);
    expect(m.h.desk.engine.crews.get('cand')!.venue).toBe('paper');
  });

  it('refuses to propose on a desk with no exchange beside paper', async () => {
    const model = fakeModel()
      .respond(callTools([{ name: 'propose_promotion', args: { crew: 'sma-btc', capital: '1000', rationale: 'Good record.' } }]))
      .respond(answer('It cannot be promoted here.'));
    m = await openManager({ model });
    const reply = await m.manager.converse('promote sma-btc', 'chan-1', OWNER);
    expect(reply.proposals).toEqual([]);
    expect(toolAnswers(model, 1)[0]).toContain('no exchange beside paper');
  });
});
