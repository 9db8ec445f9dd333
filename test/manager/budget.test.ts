// Cost control: every call's usage is journaled by purpose; the daily token budget is enforced in
// code before each call (one alert a day); usage() reports today, this month and the cost.
import { afterEach, describe, expect, it } from 'vitest';
import { answer, fakeModel, type ManagerHarness, openManager, OWNER } from './manager-harness.ts';

let m: ManagerHarness | undefined;
afterEach(async () => {
  await m?.dispose();
  m = undefined;
});

describe('the daily token budget', () => {
  it('stops calls once spent, alerts once, and opens again the next UTC day', async () => {
    const model = fakeModel()
      .respond(answer('First answer.', { input: 700, output: 300 }))
      .respond(answer('Next day.', { input: 10, output: 5 }));
    m = await openManager({ model, config: { dailyTokenBudget: 1_000 } });

    const first = await m.manager.converse('status?', 'chan-1', OWNER);
    expect(first.outcome).toBe('answered');
    expect(m.manager.usage().budget).toEqual({ daily: 1_000, remaining: 0, exhausted: true });

    const refused = await m.manager.converse('and now?', 'chan-1', OWNER);
    expect(refused.outcome).toBe('budget');
    expect(refused.text).toContain('daily token budget of 1,000 tokens is spent');
    const again = await m.manager.converse('and now??', 'chan-1', OWNER);
    expect(again.outcome).toBe('budget');
    expect(model.callCount).toBe(1); // no call past the budget
    expect(m.events.filter((e) => e.type === 'alert' && e.kind === 'budget')).toHaveLength(1);

    // The report still goes out, without commentary.
    const report = await m.manager.buildReport();
    expect(report.commentary).toBeNull();
    expect(report.commentaryMissing).toContain('daily token budget');
    expect(model.callCount).toBe(1);

    m.clock.advance(24 * 3_600_000);
    expect((await m.manager.converse('new day', 'chan-1', OWNER)).outcome).toBe('answered');
    expect(model.callCount).toBe(2);
  });

  it('journals every call by purpose, and reports today, this month and an estimated cost', async () => {
    const model = fakeModel()
      .respond(answer('Chat answer.', { input: 1_000, output: 200 }))
      .respond(answer('Nothing to change.', { input: 2_000, output: 100 }))
      .respond(answer('Commentary: calm day.', { input: 3_000, output: 300 }));
    m = await openManager({ model, config: { prices: { inputPerMillion: 2, outputPerMillion: 8, currency: 'USD' } } });
    await m.manager.converse('status?', 'chan-1', OWNER);
    await m.manager.evaluate();
    await m.manager.buildReport();

    const usageAudits = await m.audits('manager.llm.usage');
    expect(usageAudits.map((a) => [a.detail!.purpose, a.detail!.inputTokens, a.detail!.outputTokens])).toEqual([
      ['chat', 1_000, 200],
      ['evaluation', 2_000, 100],
      ['report', 3_000, 300],
    ]);
    const u = m.manager.usage();
    expect(u.today).toMatchObject({
      input: 6_000,
      output: 600,
      total: 6_600,
      calls: 3,
      byPurpose: { chat: { calls: 1 }, evaluation: { calls: 1 }, report: { calls: 1, input: 3_000 } },
    });
    expect(u.today.cost).toBeCloseTo((6_000 * 2 + 600 * 8) / 1e6, 10);
    expect(u.thisMonth.total).toBe(6_600);
    expect(m.manager.usageText()).toContain('6,600 tokens');

    // Later in the month: today starts at zero, the month keeps counting.
    m.clock.advance(2 * 24 * 3_600_000);
    expect(m.manager.usage().today.total).toBe(0);
    expect(m.manager.usage().thisMonth.total).toBe(6_600);
  });

  it('/llm usage shows the forge’s tokens (purpose forge) apart, inside the day’s and the month’s totals', async () => {
    m = await openManager({ model: fakeModel() });
    await m.manager.usageLedger.record('forge', { input: 3_000, output: 700 });
    await m.manager.usageLedger.record('forge', { input: 1_000, output: 300 });
    const text = m.manager.usageText();
    expect(text).toMatch(/Today \(.*\): 5,000 tokens .* in 2 calls .*forge 2 calls\]/);
    expect(text).toContain('of which the forge: 5,000 tokens (4,000 in, 1,000 out) in 2 calls');
    expect(text.match(/of which the forge: 5,000 tokens/g)).toHaveLength(2); // today and this month
  });

  it('survives a restart: the spend comes back from the journal', async () => {
    const model = fakeModel().respond(answer('ok', { input: 900, output: 100 }));
    m = await openManager({ model, config: { dailyTokenBudget: 1_000 } });
    await m.manager.converse('status?', 'chan-1', OWNER);
    await m.manager.close();
    const again = await openManager({ model: fakeModel(), harness: m.h, clock: m.clock, config: { dailyTokenBudget: 1_000 } });
    expect(again.manager.usage().today.total).toBe(1_000);
    expect((await again.manager.converse('more', 'chan-1', OWNER)).outcome).toBe('budget');
    await again.manager.close();
  });

  it('estimates usage from the text when the server reports none, and says so', async () => {
    const model = fakeModel().respond(answer('x'.repeat(400), { input: 0, output: 0 }));
    m = await openManager({ model });
    await m.manager.converse('status?', 'chan-1', OWNER);
    const u = m.manager.usage();
    expect(u.today.estimatedCalls).toBe(1);
    expect(u.today.output).toBe(100);
    expect(u.today.input).toBeGreaterThan(100); // the system prompt alone is long
  });
});
