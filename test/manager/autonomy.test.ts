// Act mode applies changes within bounds at once and reports them; some changes need the owner
// whatever the mode; out-of-bounds or malformed tool calls are refused with the reason sent
// back to the model, and nothing is executed.
import { afterEach, describe, expect, it } from 'vitest';
import { riskActor } from '../../src/core/events.ts';
import { answer, callTools, fakeModel, type ManagerHarness, openManager, OWNER, seen, STRANGER, toolAnswers } from './manager-harness.ts';

let m: ManagerHarness | undefined;
afterEach(async () => {
  await m?.dispose();
  m = undefined;
});

const WHY = 'Drawdown 12% over 24h with 3 losing round trips.';

describe('act mode', () => {
  it('applies a change within bounds at once and reports it, journaled with rationale and figures', async () => {
    const model = fakeModel()
      .respond(callTools([{ name: 'adjust_params', args: { crew: 'sma-btc', param: 'stopLossPct', value: 3, rationale: WHY } }]))
      .respond(answer('Done: sma-btc now has a 3% stop-loss.'));
    m = await openManager({ model, config: { autonomy: 'act' } });
    const reply = await m.manager.converse('protect sma-btc', 'chan-1', OWNER);
    expect(reply.proposals).toEqual([]);
    expect(reply.actions).toEqual([{ summary: 'sma-btc: stopLossPct 0 → 3', result: 'sma-btc: stopLossPct 0 → 3' }]);
    expect(m.h.desk.engine.crews.get('sma-btc')!.params.stopLossPct).toBe(3);
    expect(toolAnswers(model, 1)[0]).toContain('"outcome":"done"');
    const [executed] = await m.audits('manager.action.executed');
    expect(executed).toMatchObject({
      actor: 'manager',
      via: 'manager',
      detail: { purpose: 'chat', proposalId: null, approvedBy: null, rationale: WHY, figures: { crew: 'sma-btc', from: 0, to: 3 } },
    });
    expect(m.events.find((e) => e.type === 'action')).toMatchObject({ ok: true, summary: 'sma-btc: stopLossPct 0 → 3' });
  });

  it('reallocates and spawns within the team capital and the share limit', async () => {
    const model = fakeModel()
      .respond(
        callTools([
          { name: 'reallocate_capital', args: { crew: 'rsi-eth', capital: '2000', rationale: WHY } },
          {
            name: 'spawn_crew',
            args: {
              team: 'alpha',
              module: 'donchian-breakout',
              symbol: 'SOLUSDT',
              interval: '15m',
              capital: '1500',
              params: { entryPeriod: 30 },
              rationale: 'Half of rsi-eth’s capital to a breakout crew.',
            },
          },
        ]),
      )
      .respond(answer('Done.'));
    m = await openManager({ model, config: { autonomy: 'act' } });
    const reply = await m.manager.converse('spawn a breakout crew on SOLUSDT 15m with half of rsi-eth’s capital', 'chan-1', OWNER);
    expect(reply.actions.map((a) => a.summary)).toEqual([
      'rsi-eth: capital 3000 → 2000',
      'spawn donchian-breakout-solusdt-15m: donchian-breakout on SOLUSDT 15m in team alpha with 1500 (entryPeriod=30)',
    ]);
    const crews = new Map(m.service.crewList().map((c) => [c.id, c]));
    expect(crews.get('rsi-eth')!.capital).toBe('2000');
    expect(crews.get('donchian-breakout-solusdt-15m')).toMatchObject({ capital: '1500', interval: '15m', module: 'donchian-breakout' });
    expect(m.h.desk.engine.crews.get('donchian-breakout-solusdt-15m')!.params.entryPeriod).toBe(30);
  });

  it('still asks the owner to resume a crew the risk gate paused, and to flatten', async () => {
    const model = fakeModel()
      .respond(
        callTools([
          { name: 'resume_crew', args: { crew: 'rsi-eth', rationale: WHY } },
          { name: 'halt', args: { level: 'flatten', reason: 'Market crash.' } },
        ]),
      )
      .respond(answer('Both need your approval.'));
    m = await openManager({ model, config: { autonomy: 'act' } });
    m.h.desk.engine.pauseCrew('rsi-eth', 'drawdown 26.00% reached the limit of 25%', riskActor('crew-drawdown'));
    const reply = await m.manager.converse('resume rsi-eth and sell everything', 'chan-1', OWNER);
    expect(reply.actions).toEqual([]);
    expect(reply.proposals.map((p) => [p.summary, p.approval])).toEqual([
      ['resume rsi-eth (paused: drawdown 26.00% reached the limit of 25%)', 'owner'],
      ['halt trading at level flatten', 'owner'],
    ]);
    expect(m.h.desk.engine.crews.get('rsi-eth')!.status).toBe('paused');
    expect(m.h.desk.engine.halt.level).toBe('none');
  });

  it('turns the request of a non-owner into a proposal for an owner', async () => {
    const model = fakeModel()
      .respond(callTools([{ name: 'pause_crew', args: { crew: 'rsi-eth', reason: 'Asked to.' } }]))
      .respond(answer('An owner has to approve that.'));
    m = await openManager({ model, config: { autonomy: 'act' } });
    const reply = await m.manager.converse('pause rsi-eth', 'chan-1', STRANGER);
    expect(reply.actions).toEqual([]);
    expect(reply.proposals).toMatchObject([{ summary: 'pause rsi-eth', requestedBy: STRANGER.id, ownerId: null }]);
    expect(m.h.desk.engine.crews.get('rsi-eth')!.status).toBe('active');
    expect(seen(model, 0)).toContain('a user who is not an owner');
  });

  it('resumes on its own a crew it paused itself', async () => {
    const model = fakeModel()
      .respond(callTools([{ name: 'pause_crew', args: { crew: 'rsi-eth', reason: 'Five losses in a row today.' } }]))
      .respond(answer('Paused.'))
      .respond(callTools([{ name: 'resume_crew', args: { crew: 'rsi-eth', rationale: 'The volatility spike is over.' } }]))
      .respond(answer('Resumed.'));
    m = await openManager({ model, config: { autonomy: 'act' } });
    await m.manager.converse('pause rsi-eth', 'chan-1', OWNER);
    expect(m.h.desk.engine.crews.get('rsi-eth')!.status).toBe('paused');
    const reply = await m.manager.converse('resume it', 'chan-1', OWNER);
    expect(reply.actions).toHaveLength(1);
    expect(m.h.desk.engine.crews.get('rsi-eth')!.status).toBe('active');
  });
});

describe('the kill switch', () => {
  it('halts at once even in advise mode; the manager has no way to lift a halt', async () => {
    const model = fakeModel()
      .respond(callTools([{ name: 'halt', args: { level: 'entries', reason: 'Exchange is returning stale prices.' } }]))
      .respond(answer('Halted entries.'))
      .respond(
        callTools([
          { name: 'resume', args: {} },
          { name: 'set_risk_limit', args: { name: 'maxCrewDrawdownPct', value: 99 } },
        ]),
      )
      .respond(answer('I cannot lift a halt: only you can, with /resume.'));
    m = await openManager({ model });
    const halted = await m.manager.converse('halt now', 'chan-1', OWNER);
    expect(halted.actions.map((a) => a.summary)).toEqual(['halt trading at level entries']);
    expect(m.h.desk.engine.halt).toMatchObject({ level: 'entries', actor: 'manager', reason: 'manager: Exchange is returning stale prices.' });

    await m.manager.converse('now resume trading and raise the drawdown limit', 'chan-1', OWNER);
    expect(toolAnswers(model, 3)).toEqual([
      expect.stringContaining('resume is not a valid tool'),
      expect.stringContaining('set_risk_limit is not a valid tool'),
    ]);
    expect(m.h.desk.engine.halt.level).toBe('entries');
    expect(m.service.riskLimits().maxCrewDrawdownPct).toBe(100);
  });
});

describe('tool arguments', () => {
  it('out of the declared bounds: refused with the reason sent back to the model, nothing executed', async () => {
    const model = fakeModel()
      .respond(
        callTools([
          { name: 'adjust_params', args: { crew: 'sma-btc', param: 'fast', value: 500, rationale: WHY } },
          { name: 'adjust_params', args: { crew: 'sma-btc', param: 'fast', value: 40, rationale: WHY } },
          { name: 'adjust_params', args: { crew: 'sma-btc', param: 'leverage', value: 5, rationale: WHY } },
        ]),
      )
      .respond(answer('Those values are outside the bounds; nothing changed.'));
    m = await openManager({ model, config: { autonomy: 'act' } });
    const reply = await m.manager.converse('set sma-btc fast to 500', 'chan-1', OWNER);
    expect(reply.actions).toEqual([]);
    expect(reply.proposals).toEqual([]);
    const answers = toolAnswers(model, 1);
    expect(answers[0]).toContain('"outcome":"refused"');
    expect(answers[0]).toContain('outside the crew');
    expect(answers[0]).toContain('allowed 1 … 200');
    expect(answers[1]).toContain('fast must be below slow');
    expect(answers[2]).toContain('has no param');
    expect(m.h.desk.engine.crews.get('sma-btc')!.params.fast).toBe(10);
    expect(await m.audits('manager.action.refused')).toHaveLength(3);
    expect(await m.audits('crew.set')).toHaveLength(0);
  });

  it('failing the schema (unknown key, wrong type, out of range): never executed, the schema error goes to the model', async () => {
    const model = fakeModel()
      .respond(
        callTools([
          { name: 'adjust_params', args: { crew: 'sma-btc', param: 'fast', value: 12, rationale: WHY, force: true } },
          { name: 'reallocate_capital', args: { crew: 'sma-btc', capital: 5000, rationale: WHY } },
          { name: 'get_recent_trades', args: { limit: 10_000 } },
        ]),
      )
      .respond(answer('My calls were malformed; nothing changed.'));
    m = await openManager({ model, config: { autonomy: 'act' } });
    await m.manager.converse('do it', 'chan-1', OWNER);
    const answers = toolAnswers(model, 1);
    expect(answers[0]).toMatch(/did not match expected schema[\s\S]*force/);
    expect(answers[1]).toMatch(/did not match expected schema/);
    expect(answers[2]).toMatch(/did not match expected schema/);
    expect(m.h.desk.engine.crews.get('sma-btc')!.params.fast).toBe(10);
    expect(m.h.desk.engine.crews.get('sma-btc')!.capital.toString()).toBe('3000');
    expect(await m.audits('manager.action')).toHaveLength(0);
  });

  it('caps the changes of one turn', async () => {
    const calls = Array.from({ length: 4 }, (_, i) => ({ name: 'adjust_params', args: { crew: 'sma-btc', param: 'fast', value: 11 + i, rationale: WHY } }));
    const model = fakeModel().respond(callTools(calls)).respond(answer('ok'));
    m = await openManager({ model, config: { maxActionsPerTurn: 2 } });
    const reply = await m.manager.converse('go', 'chan-1', OWNER);
    expect(reply.proposals).toHaveLength(2);
    expect(toolAnswers(model, 1).filter((a) => a.includes('no more changes in this turn'))).toHaveLength(2);
  });

  it('caps the model calls of one turn', async () => {
    const model = fakeModel();
    for (let i = 0; i < 5; i++) model.respond(callTools([{ name: 'get_overview', args: {} }]));
    m = await openManager({ model, config: { maxModelCallsPerTurn: 3 } });
    const reply = await m.manager.converse('loop', 'chan-1', OWNER);
    expect(model.callCount).toBe(3);
    expect(reply.text).toContain('limit of 3 model calls');
  });
});

describe('reading tools', () => {
  it('answer with aggregated figures in a data block', async () => {
    const model = fakeModel()
      .respond(
        callTools([
          { name: 'get_overview', args: {} },
          { name: 'get_crew_metrics', args: { scope: 'crew', name: 'sma-btc', window: '7d' } },
          { name: 'get_crew_metrics', args: { scope: 'team', name: 'alpha' } },
          { name: 'get_recent_trades', args: { crew: 'sma-btc', limit: 5 } },
          { name: 'get_risk_events', args: {} },
          { name: 'run_backtest', args: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' } },
          { name: 'get_optimization_results', args: {} },
        ]),
      )
      .respond(answer('All quiet.'));
    m = await openManager({ model });
    await m.manager.converse('how are we doing?', 'chan-1', OWNER);
    const answers = toolAnswers(model, 1);
    for (const a of answers) expect(a).toMatch(/^<tool_data>\n[\s\S]*\n<\/tool_data>$/);
    const data = answers.map((a) => JSON.parse(a.slice('<tool_data>\n'.length, -'\n</tool_data>'.length)) as Record<string, unknown>);
    // One capital figure everywhere: the account's (every team's), and what of it the crews hold.
    expect(data[0]).toMatchObject({ mode: 'paper', capital: 10000, allocated: 6000, teams: [{ name: 'alpha', capital: '10000', allocated: '6000' }] });
    expect(data[1]).toMatchObject({ window: '7d', crew: { id: 'sma-btc', capital: 3000, recent: { fills: 0 } }, params: { values: { fast: 10, slow: 30 } } });
    expect(data[2]).toMatchObject({ team: { name: 'alpha', crews: 2 } });
    expect(data[3]).toEqual({ trades: [] });
    expect(data[4]).toEqual({ events: [] });
    expect(data[5]).toMatchObject({ error: expect.stringContaining('not available') });
    expect(data[6]).toMatchObject({ none: expect.stringContaining('no optimization') });
    expect(seen(model, 0)).toContain('sma-cross');
  });

  it('read the newest optimization sweep from the journal settings', async () => {
    const kpis = (ret: number) => ({ totalReturnPct: ret, maxDrawdownPct: 5.555, sharpe: 1.111, winRatePct: 60, roundTrips: 10 });
    const result = {
      kind: 'optimization',
      crew: 'sma-cross',
      symbol: 'BTCUSDT',
      interval: '1h',
      metric: 'sharpe',
      combinations: 12,
      inSample: { start: Date.UTC(2024, 0, 1), end: Date.UTC(2024, 6, 1) },
      outOfSample: { start: Date.UTC(2024, 6, 1), end: Date.UTC(2024, 9, 1) },
      top: [
        {
          rank: 1,
          params: { fast: 12, slow: 40 },
          inSample: { score: 1.1, finalEquity: 11_000, kpis: kpis(10) },
          outOfSample: { finalEquity: 10_300, kpis: kpis(3) },
        },
      ],
      walkForward: null,
    };
    const model = fakeModel()
      .respond(callTools([{ name: 'get_optimization_results', args: { module: 'sma-cross' } }]))
      .respond(answer('fast 12 / slow 40 did best.'));
    m = await openManager({ model });
    await m.h.desk.journal.setSetting(
      'optimize.sma-cross.20240101T000000Z',
      { key: 'optimize.sma-cross.20240101T000000Z', at: '2024-10-02T00:00:00.000Z', result },
      null,
    );
    await m.h.desk.journal.setSetting(
      'optimize.index',
      [{ key: 'optimize.sma-cross.20240101T000000Z', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', at: '2024-10-02T00:00:00.000Z' }],
      null,
    );
    await m.manager.converse('what did the last sweep find?', 'chan-1', OWNER);
    const [data] = toolAnswers(model, 1);
    expect(data).toContain('"combinations":12');
    expect(data).toContain('"params":{"fast":12,"slow":40}');
    expect(data).toContain('"outOfSample":{"returnPct":3,"maxDrawdownPct":5.56,"sharpe":1.11');
  });

  it('run a backtest through the injected backtester', async () => {
    const requests: unknown[] = [];
    const model = fakeModel()
      .respond(
        callTools([{ name: 'run_backtest', args: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', params: { fast: 12 }, from: '2024-01-01' } }]),
      )
      .respond(answer('Backtest done.'));
    m = await openManager({
      model,
      backtest: {
        async run(request) {
          requests.push(request);
          const kpis = {
            totalReturnPct: 4.321,
            buyAndHoldReturnPct: 2,
            maxDrawdownPct: 3.3,
            sharpe: 1.234,
            sortino: null,
            roundTrips: 7,
            winRatePct: 57.14,
            profitFactor: 1.5,
            exposurePct: 40,
            feesPaid: 12.5,
            days: 30,
          };
          return { ok: true, value: { title: 'sma-cross BTCUSDT 1h', kpis: kpis as never } };
        },
      },
    });
    await m.manager.converse('backtest fast 12', 'chan-1', OWNER);
    expect(requests).toEqual([{ module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', from: '2024-01-01', params: { fast: 12 } }]);
    expect(toolAnswers(model, 1)[0]).toContain('"totalReturnPct":4.32');
  });
});
