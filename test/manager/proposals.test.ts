// Advise mode: every change the manager wants is a proposal the owner approves or rejects; it is
// bound to the owner who asked, single-use, and expires. Each step is journaled.
import { afterEach, describe, expect, it } from 'vitest';
import { answer, callTools, fakeModel, type ManagerHarness, openManager, OTHER_OWNER, OWNER, seen, STRANGER } from './manager-harness.ts';

let m: ManagerHarness | undefined;
afterEach(async () => {
  await m?.dispose();
  m = undefined;
});

const RAISE_FAST = {
  name: 'adjust_params',
  args: { crew: 'sma-btc', param: 'fast', value: 12, rationale: 'Win rate 30% over 24h on 10 round trips: a slower fast SMA should cut whipsaws.' },
};

function fastOf(h: ManagerHarness): unknown {
  return h.h.desk.engine.crews.get('sma-btc')!.params.fast;
}

describe('a proposal in advise mode', () => {
  it('changes nothing until the owner approves, then changes the param through the desk service, journaled', async () => {
    const model = fakeModel()
      .respond(callTools([RAISE_FAST]))
      .respond(answer('I propose raising sma-btc fast from 10 to 12; it waits for your approval.'));
    m = await openManager({ model });

    const reply = await m.manager.converse('sma-btc whipsaws a lot, what would you change?', 'chan-1', OWNER);
    expect(reply.outcome).toBe('answered');
    expect(reply.proposals).toHaveLength(1);
    const p = reply.proposals[0]!;
    expect(p).toMatchObject({ summary: 'sma-btc: fast 10 → 12', ownerId: OWNER.id, requestedBy: OWNER.id, conversationKey: 'chan-1', purpose: 'chat' });
    expect(p.figures).toMatchObject({ crew: 'sma-btc', param: 'fast', from: 10, to: 12, bounds: { min: 1, max: 200, default: 10 } });
    expect(reply.text).toContain(p.id);
    expect(fastOf(m)).toBe(10); // nothing happened yet
    // The model was told it is only a proposal.
    expect(seen(model, 1)).toContain('"outcome":"proposed"');

    // Bound to the owner who asked: another owner, a non-owner and the manager itself are refused.
    expect(await m.manager.approve(p.id, OTHER_OWNER)).toEqual({ ok: false, error: expect.stringContaining('for the owner who asked') });
    expect(await m.manager.approve(p.id, STRANGER)).toEqual({ ok: false, error: 'only an owner can answer a proposal' });
    expect(await m.manager.approve(p.id, { id: 'manager', via: 'manager', isOwner: true })).toEqual({
      ok: false,
      error: expect.stringContaining('cannot answer its own'),
    });
    expect(fastOf(m)).toBe(10);

    const approved = await m.manager.approve(p.id, OWNER);
    expect(approved).toEqual({ ok: true, value: 'Approved and done: sma-btc: fast 10 → 12' });
    expect(fastOf(m)).toBe(12);
    // Single use.
    expect(await m.manager.approve(p.id, OWNER)).toEqual({ ok: false, error: `proposal ${p.id} was approved already` });

    // Journaled: proposed (with rationale and figures), approved by the owner, executed by the manager via the service.
    const audits = await m.audits();
    const created = audits.find((a) => a.action === 'manager.proposal.created')!;
    expect(created.detail).toMatchObject({ id: p.id, rationale: RAISE_FAST.args.rationale, figures: { from: 10, to: 12 } });
    expect(audits.find((a) => a.action === 'manager.proposal.approved')).toMatchObject({ actor: OWNER.id, via: 'discord', detail: { id: p.id } });
    expect(audits.find((a) => a.action === 'crew.set')).toMatchObject({
      actor: 'manager',
      via: 'manager',
      detail: { crew: 'sma-btc', param: 'fast', from: 10, to: 12, rationale: RAISE_FAST.args.rationale },
    });
    expect(audits.find((a) => a.action === 'manager.action.executed')).toMatchObject({
      detail: { proposalId: p.id, approvedBy: OWNER.id, rationale: RAISE_FAST.args.rationale, figures: { from: 10, to: 12 } },
    });
    // Persisted: the journal's crew record carries the new param (a restart keeps it).
    const record = (await m.h.desk.journal.getCrewInstances()).find((r) => r.id === 'sma-btc')!;
    expect(record.params.fast).toBe(12);
    expect(m.events.map((e) => e.type)).toEqual(['proposal', 'action', 'decision']);
  });

  it('changes nothing when the owner rejects it, and the manager hears about it in that conversation', async () => {
    const model = fakeModel()
      .respond(callTools([RAISE_FAST]))
      .respond(answer('Proposed.'))
      .respond(answer('Understood, fast stays at 10.'));
    m = await openManager({ model });
    const reply = await m.manager.converse('tune sma-btc', 'chan-1', OWNER);
    const p = reply.proposals[0]!;

    expect(await m.manager.reject(p.id, OTHER_OWNER)).toMatchObject({ ok: false });
    expect(await m.manager.reject(p.id, OWNER, 'not now')).toEqual({ ok: true, value: 'Rejected: sma-btc: fast 10 → 12. Nothing was changed.' });
    expect(fastOf(m)).toBe(10);
    expect(await m.manager.approve(p.id, OWNER)).toEqual({ ok: false, error: `proposal ${p.id} was rejected already` });
    expect((await m.audits('manager.proposal.rejected'))[0]).toMatchObject({ actor: OWNER.id, detail: { id: p.id, reason: 'not now' } });
    expect(await m.audits('crew.set')).toHaveLength(0);

    await m.manager.converse('ok', 'chan-1', OWNER);
    expect(seen(model, 2)).toContain(`rejected proposal ${p.id}`);
  });

  it('expires unanswered: journaled, announced, and no longer approvable', async () => {
    const model = fakeModel()
      .respond(callTools([RAISE_FAST]))
      .respond(answer('Proposed.'));
    m = await openManager({ model, config: { proposalExpiryMinutes: 30 } });
    const p = (await m.manager.converse('tune sma-btc', 'chan-1', OWNER)).proposals[0]!;
    expect(p.expiresAt - p.createdAt).toBe(30 * 60_000);

    m.clock.advance(29 * 60_000);
    expect(await m.manager.expireDue()).toEqual([]);
    m.clock.advance(60_000);
    expect((await m.manager.expireDue()).map((x) => x.id)).toEqual([p.id]);
    expect(m.manager.pendingProposals()).toEqual([]);
    expect(await m.manager.approve(p.id, OWNER)).toEqual({ ok: false, error: `proposal ${p.id} was expired already` });
    expect(fastOf(m)).toBe(10);
    expect(await m.audits('manager.proposal.expired')).toHaveLength(1);
    expect(m.events.filter((e) => e.type === 'decision')).toMatchObject([{ decision: 'expired', proposal: { id: p.id } }]);
  });

  it('is refused as expired when answered late, even before the sweep ran', async () => {
    const model = fakeModel()
      .respond(callTools([RAISE_FAST]))
      .respond(answer('Proposed.'));
    m = await openManager({ model, config: { proposalExpiryMinutes: 5 } });
    const p = (await m.manager.converse('tune sma-btc', 'chan-1', OWNER)).proposals[0]!;
    m.clock.advance(5 * 60_000);
    expect(await m.manager.approve(p.id, OWNER)).toEqual({ ok: false, error: expect.stringContaining('expired') });
    expect(fastOf(m)).toBe(10);
    expect(await m.audits('manager.proposal.expired')).toHaveLength(1);
  });

  it('survives a restart of the manager: pending proposals come back from the journal', async () => {
    const model = fakeModel()
      .respond(callTools([RAISE_FAST]))
      .respond(answer('Proposed.'));
    m = await openManager({ model });
    const p = (await m.manager.converse('tune sma-btc', 'chan-1', OWNER)).proposals[0]!;
    await m.manager.close();

    const again = await openManager({ model: null, harness: m.h, clock: m.clock });
    expect(again.manager.pendingProposals(OWNER.id).map((x) => x.id)).toEqual([p.id]);
    expect(await again.manager.approve(p.id, OWNER)).toMatchObject({ ok: true });
    expect(fastOf(m)).toBe(12);
    await again.manager.close();
  });

  it('from the scheduled evaluation may be answered by any owner', async () => {
    const model = fakeModel()
      .respond(callTools([RAISE_FAST]))
      .respond(answer('Proposed raising sma-btc fast to 12.'));
    m = await openManager({ model });
    const outcome = await m.manager.evaluate();
    expect(outcome.status).toBe('done');
    const p = m.manager.pendingProposals()[0]!;
    expect(p).toMatchObject({ ownerId: null, requestedBy: null, purpose: 'evaluation' });
    expect(await m.manager.approve(p.id, STRANGER)).toMatchObject({ ok: false });
    expect(await m.manager.approve(p.id, OTHER_OWNER)).toMatchObject({ ok: true });
    expect(fastOf(m)).toBe(12);
    expect(m.events.find((e) => e.type === 'evaluation')).toMatchObject({ proposals: [{ id: p.id }] });
  });
});
