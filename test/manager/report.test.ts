// The daily report is computed from the journal and always produced: with the manager's
// commentary when a model answers, without it when there is no model or the call fails. The
// scheduler's jobs never throw; trading never waits on them.
import { AIMessage } from '@langchain/core/messages';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagerScheduler } from '../../src/manager/scheduler.ts';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { flatCandles } from '../support/desk-harness.ts';
import { answer, callTools, fakeModel, type ManagerHarness, openManager, OWNER, seen } from './manager-harness.ts';

let m: ManagerHarness | undefined;
afterEach(async () => {
  await m?.dispose();
  m = undefined;
});

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** sma-btc (fast 2, slow 3) buys at 12 and sells at 8 on these candles: one losing round trip. */
async function tradeOneLosingRoundTrip(h: ManagerHarness): Promise<void> {
  const closes = [10, 10, 10, 13, 13, 7, 7, 7, 7, 7];
  const opens = [10, 10, 10, 10, 12, 13, 8, 7, 7, 7];
  await h.h.desk.engine.run(new ArrayMarketData(flatCandles(closes, opens)));
  await h.h.desk.journal.flush();
}

const CREWS = [
  { id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' as const, params: { fast: 2, slow: 3 }, capital: '3000' },
  { id: 'rsi-eth', crew: 'rsi-reversion', symbol: 'ETHUSDT', interval: '1h' as const, params: {}, capital: '3000' },
];

describe('the daily report', () => {
  it('without a model: every figure, the chart, no commentary — journaled and handed to the listeners', async () => {
    m = await openManager({ model: null, crews: CREWS });
    await tradeOneLosingRoundTrip(m);
    await m.h.desk.journal.recordRiskEvent({
      crewId: 'rsi-eth',
      adviceKey: null,
      rule: 'position-size',
      reason: 'position would exceed 5000 USDT',
      at: m.h.clock.now(),
    });

    const report = await m.manager.runDailyReport();
    expect(report.commentary).toBeNull();
    expect(report.commentaryMissing).toBe('no model was given');
    expect(report.title).toBe('Daily report — 2024-01-01');
    expect(report.data.metrics.crews.find((c) => c.id === 'sma-btc')!.recent).toMatchObject({ fills: 2, roundTrips: 1, wins: 0, winRatePct: 0 });
    expect(report.sections.crews).toMatch(/sma-btc\s+active/);
    expect(report.sections.notable).toMatch(/Worst round trip: sma-btc -\d/);
    expect(report.sections.risk).toContain('position-size ×1');
    expect(report.text).toContain('(no commentary: no model was given)');
    expect([...report.chartPng!.subarray(0, 8)]).toEqual(PNG_SIGNATURE);

    expect(m.events.find((e) => e.type === 'report')).toMatchObject({ report: { day: '2024-01-01' } });
    expect((await m.audits('manager.report'))[0]).toMatchObject({ detail: { day: '2024-01-01', commentary: false } });
  });

  it('when the model fails: the same report without commentary, and an alert', async () => {
    const model = fakeModel().alwaysThrow(new Error('503 upstream overloaded'));
    m = await openManager({ model, crews: CREWS });
    await tradeOneLosingRoundTrip(m);
    const report = await m.manager.runDailyReport();
    expect(report.commentary).toBeNull();
    expect(report.commentaryMissing).toContain('503 upstream overloaded');
    expect(report.data.metrics.overall.recent.roundTrips).toBe(1);
    expect(m.events.filter((e) => e.type === 'alert')).toMatchObject([{ kind: 'report', message: expect.stringContaining('503') }]);
  });

  it('with a model: its commentary on top, from a prompt with one line per crew', async () => {
    const model = fakeModel().respond(answer('Commentary: sma-btc lost on a whipsaw.\nRecommendations:\n- raise sma-btc slow to 5'));
    m = await openManager({ model, crews: CREWS });
    await tradeOneLosingRoundTrip(m);
    const report = await m.manager.buildReport();
    expect(report.commentary).toContain('sma-btc lost on a whipsaw');
    expect(report.text).toContain('Recommendations:');
    const prompt = seen(model, 0);
    expect(prompt).toContain('<desk_data>');
    expect(prompt.match(/^sma-btc \[alpha\] sma-cross BTCUSDT 1h active/m)).not.toBeNull();
    expect(prompt.match(/^rsi-eth \[alpha\] rsi-reversion ETHUSDT 1h active/m)).not.toBeNull();
    expect(prompt).toContain('params fast=2 slow=3');
    expect(m.manager.usage().today.byPurpose.report.calls).toBe(1);
  });

  it('/report answers with the report text', async () => {
    m = await openManager({ model: null, crews: CREWS });
    expect(await m.manager.report()).toMatch(/^Daily report — /);
  });
});

describe('a model that fails in conversation', () => {
  it('means no action and an alert; proposals of the failed turn are withdrawn', async () => {
    const model = fakeModel()
      .respond(callTools([{ name: 'adjust_params', args: { crew: 'sma-btc', param: 'slow', value: 5, rationale: 'whipsaws' } }]))
      .respond(new Error('connect ECONNREFUSED 127.0.0.1:11434'));
    m = await openManager({ model, crews: CREWS });
    const reply = await m.manager.converse('tune sma-btc', 'chan-1', OWNER);
    expect(reply.outcome).toBe('failed');
    expect(reply.text).toContain('ECONNREFUSED');
    expect(reply.proposals).toEqual([]);
    expect(m.manager.pendingProposals()).toEqual([]);
    expect(await m.audits('manager.proposal.withdrawn')).toHaveLength(1);
    expect(m.h.desk.engine.crews.get('sma-btc')!.params.slow).toBe(3);
    expect(m.events.filter((e) => e.type === 'alert')).toMatchObject([{ kind: 'llm-error' }]);
  });

  it('an empty or unreadable answer is malformed: no action, an alert', async () => {
    const model = fakeModel()
      .respond(new AIMessage({ content: '' }))
      .respond(
        new AIMessage({
          content: '',
          invalid_tool_calls: [{ name: 'adjust_params', args: '{"crew": "sma-btc", "param": ', id: 'x', error: 'bad json', type: 'invalid_tool_call' }],
        }),
      );
    m = await openManager({ model, crews: CREWS });
    expect((await m.manager.converse('hello', 'chan-1', OWNER)).outcome).toBe('failed');
    expect((await m.manager.converse('hello again', 'chan-1', OWNER)).outcome).toBe('failed');
    expect(m.events.filter((e) => e.type === 'alert').map((e) => e.type === 'alert' && e.kind)).toEqual(['malformed', 'malformed']);
    expect(await m.audits('manager.action')).toHaveLength(0);
  });
});

describe('without a model', () => {
  it('chat gets a helpful answer; the evaluation is skipped', async () => {
    m = await openManager({ env: {}, crews: CREWS });
    expect(m.manager.configured).toBe(false);
    const reply = await m.manager.converse('hello', 'console', OWNER);
    expect(reply.outcome).toBe('not-configured');
    expect(reply.text).toContain('OPENAI_API_KEY');
    expect(reply.text).toContain('OPENAI_BASE_URL');
    expect(await m.manager.evaluate()).toMatchObject({ status: 'skipped' });
  });
});

describe('the scheduler', () => {
  it('starts and stops its cron tasks; its jobs run the manager and never throw', async () => {
    const calls: string[] = [];
    const manager = {
      async evaluate() {
        calls.push('evaluate');
        throw new Error('journal closed');
      },
      async runDailyReport() {
        calls.push('report');
        throw new Error('disk full');
      },
      async expireDue() {
        calls.push('expire');
        return [];
      },
    };
    const scheduler = new ManagerScheduler(manager as never, {
      evaluation: { enabled: true, cron: '0 * * * *' },
      report: { enabled: true, cron: '30 7 * * *', timezone: 'Europe/Berlin' },
    });
    scheduler.start();
    await scheduler.evaluation();
    await scheduler.dailyReport();
    expect(calls).toEqual(['expire', 'evaluate', 'report']);
    await scheduler.stop();
  });

  it('schedules the daily report without a model (no commentary), and no evaluation', async () => {
    m = await openManager({ model: null, crews: CREWS });
    const scheduler = new ManagerScheduler(m.manager, m.manager.config);
    scheduler.start();
    try {
      expect(scheduler.jobs).toEqual(['manager-daily-report']);
      await scheduler.dailyReport();
      const report = m.events.find((e) => e.type === 'report');
      expect(report?.type === 'report' && report.report.commentary).toBe(null);
    } finally {
      await scheduler.stop();
    }
  });

  it('runs the real evaluation job: proposals from it wait for any owner', async () => {
    const model = fakeModel()
      .respond(callTools([{ name: 'pause_crew', args: { crew: 'sma-btc', reason: 'Lost on its only round trip today; pausing until the trend settles.' } }]))
      .respond(answer('Proposed pausing sma-btc.'));
    m = await openManager({ model, crews: CREWS });
    await tradeOneLosingRoundTrip(m);
    const scheduler = new ManagerScheduler(m.manager, m.manager.config);
    await scheduler.evaluation();
    expect(m.manager.pendingProposals().map((p) => p.summary)).toEqual(['pause sma-btc']);
    const prompt = seen(model, 0);
    expect(prompt).toContain('Scheduled evaluation at 2024-01-01');
    expect(prompt).toMatch(/^sma-btc \[alpha\].*24h: 2 fills, 1 trips, win 0%/m);
    expect((await m.audits('manager.evaluation'))[0]!.detail).toMatchObject({ window: '24h', text: 'Proposed pausing sma-btc.' });
  });
});
