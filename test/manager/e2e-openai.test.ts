// End to end with the real ChatOpenAI (non-streaming, as crewdesk builds it) against an
// OpenAI-compatible stub on 127.0.0.1: a conversation through the ManagerService that ends in an
// approved, journaled parameter change the crew then trades with. Also: tokens are counted from
// the usage the server reports; a timeout, an HTTP error and a malformed answer mean no action
// and an alert.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { flatCandles } from '../support/desk-harness.ts';
import { type ChatRequest, OpenAIStub } from '../fakes/openai-stub/server.ts';
import { type ManagerHarness, openManager, OWNER } from './manager-harness.ts';

let stub: OpenAIStub;
let m: ManagerHarness | undefined;
beforeEach(async () => {
  stub = await OpenAIStub.start();
});
afterEach(async () => {
  await m?.dispose();
  m = undefined;
  await stub.close();
});

function env(): NodeJS.ProcessEnv {
  return { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: stub.baseUrl };
}

const RATIONALE = 'Win rate 25% on 8 round trips over 7d: a slower fast SMA (12) should cut whipsaws; within bounds 1–200.';

describe('the manager over the real ChatOpenAI and an OpenAI-compatible server', () => {
  it('talks, proposes, and after the owner approves, the crew trades with the new param', async () => {
    let toolsSent: ChatRequest['tools'];
    stub.script(
      (request) => {
        toolsSent = request.tools;
        return {
          toolCalls: [{ name: 'get_crew_metrics', arguments: { scope: 'crew', name: 'sma-btc', window: '7d' } }],
          usage: { prompt_tokens: 1_500, completion_tokens: 25 },
        };
      },
      { content: 'sma-btc is flat: capital 3000, no trades in 7d. It runs fast=10, slow=30.', usage: { prompt_tokens: 1_800, completion_tokens: 30 } },
      {
        toolCalls: [{ name: 'adjust_params', arguments: { crew: 'sma-btc', param: 'fast', value: 12, rationale: RATIONALE } }],
        usage: { prompt_tokens: 1_900, completion_tokens: 60 },
      },
      { content: 'I proposed raising sma-btc fast from 10 to 12. Nothing changes until you approve.', usage: { prompt_tokens: 2_000, completion_tokens: 25 } },
    );
    m = await openManager({ env: env(), config: { provider: { model: 'stub-model', maxRetries: 0 } } });
    expect(m.manager.configured).toBe(true);

    const first = await m.manager.converse('How is sma-btc doing?', 'discord:chan-9', OWNER);
    expect(first.text).toBe('sma-btc is flat: capital 3000, no trades in 7d. It runs fast=10, slow=30.');
    const second = await m.manager.converse('Make its fast SMA 12.', 'discord:chan-9', OWNER);
    expect(second.outcome).toBe('answered');
    expect(second.proposals).toHaveLength(1);
    const proposal = second.proposals[0]!;
    expect(proposal.summary).toBe('sma-btc: fast 10 → 12');
    expect(m.h.desk.engine.crews.get('sma-btc')!.params.fast).toBe(10);

    // What the real client sent: non-streaming chat completions with the key, strict tool schemas,
    // no tool to lift a halt or change limits, mode or keys; the second turn carries the first.
    const chats = stub.chats;
    expect(chats).toHaveLength(4);
    expect(stub.requests.every((r) => r.path === '/v1/chat/completions' && r.headers.authorization === 'Bearer test-key')).toBe(true);
    expect(chats.every((c) => c.model === 'stub-model' && !c.stream)).toBe(true);
    const names = toolsSent!.map((t) => t.function.name).sort();
    expect(names).toEqual([
      'adjust_params',
      'get_crew_metrics',
      'get_optimization_results',
      'get_overview',
      'get_recent_trades',
      'get_risk_events',
      'halt',
      'pause_crew',
      'propose_promotion',
      'reallocate_capital',
      'resume_crew',
      'run_backtest',
      'spawn_crew',
    ]);
    const adjust = toolsSent!.find((t) => t.function.name === 'adjust_params')!.function.parameters;
    expect(adjust).toMatchObject({ type: 'object', additionalProperties: false, required: expect.arrayContaining(['crew', 'param', 'value', 'rationale']) });
    expect(chats[0]!.messages[0]).toMatchObject({ role: 'system' });
    expect(JSON.stringify(chats[0]!.messages[0]!.content)).toContain('sma-cross');
    const turn2 = chats[2]!.messages.map((x) => `${x.role}: ${typeof x.content === 'string' ? x.content : JSON.stringify(x.content)}`);
    expect(turn2.slice(1)).toEqual([
      expect.stringMatching(/^user: Message from the owner \(discord:owner-1\):\n<chat_message>\nHow is sma-btc doing\?\n<\/chat_message>$/),
      'assistant: sma-btc is flat: capital 3000, no trades in 7d. It runs fast=10, slow=30.',
      expect.stringContaining('Make its fast SMA 12.'),
    ]);
    // The tool result went back as a tool message in the first turn.
    expect(chats[1]!.messages.find((x) => x.role === 'tool')!.content).toEqual(expect.stringContaining('"id":"sma-btc"'));

    // The owner approves: the change is made through the desk service and journaled.
    expect(await m.manager.approve(proposal.id, OWNER)).toEqual({ ok: true, value: 'Approved and done: sma-btc: fast 10 → 12' });
    expect(m.h.desk.engine.crews.get('sma-btc')!.params.fast).toBe(12);
    const audits = await m.audits();
    expect(audits.map((a) => a.action).filter((a) => a.startsWith('manager.proposal') || a === 'crew.set' || a === 'manager.action.executed')).toEqual([
      'manager.proposal.created',
      'manager.proposal.approved',
      'crew.set',
      'manager.action.executed',
    ]);
    expect(audits.find((a) => a.action === 'crew.set')).toMatchObject({
      actor: 'manager',
      via: 'manager',
      detail: { crew: 'sma-btc', param: 'fast', from: 10, to: 12, rationale: RATIONALE },
    });

    // The crew then trades with it: 40 flat candles, then a jump — its advice names SMA(12).
    const closes = [...Array.from({ length: 40 }, () => 100), 110, 111];
    await m.h.desk.engine.run(new ArrayMarketData(flatCandles(closes)));
    await m.h.desk.journal.flush();
    const advice = await m.h.desk.journal.getAdvice({ crewId: 'sma-btc' });
    expect(advice.filter((a) => a.action === 'buy').map((a) => a.reason)).toEqual([expect.stringMatching(/^SMA\(12\) [\d.]+ crossed above SMA\(30\)/)]);
    expect((await m.h.desk.journal.getFills({ crewId: 'sma-btc' })).map((f) => f.side)).toEqual(['BUY']);

    // Tokens as the server reported them, journaled per call.
    const usage = m.manager.usage();
    expect(usage.today).toMatchObject({ input: 1_500 + 1_800 + 1_900 + 2_000, output: 25 + 30 + 60 + 25, calls: 4, estimatedCalls: 0 });
    expect((await m.audits('manager.llm.usage')).map((a) => a.detail!.inputTokens)).toEqual([1_500, 1_800, 1_900, 2_000]);
  });

  it('a call past its timeout: no action, an alert', async () => {
    stub.script({ toolCalls: [{ name: 'halt', arguments: { level: 'entries', reason: 'late' } }], delayMs: 2_500 });
    m = await openManager({ env: env(), config: { provider: { model: 'stub-model', timeoutSeconds: 1, maxRetries: 0 } } });
    const reply = await m.manager.converse('status?', 'chan', OWNER);
    expect(reply.outcome).toBe('failed');
    expect(m.h.desk.engine.halt.level).toBe('none');
    expect(m.events.filter((e) => e.type === 'alert')).toMatchObject([{ kind: 'llm-error', message: expect.stringMatching(/timed? ?out/i) }]);
    expect(m.manager.usage().today.calls).toBe(0);
  });

  it('an HTTP error, a body that is not JSON, tool arguments that are not JSON: no action, an alert each', async () => {
    stub.script(
      { status: 500 },
      { rawBody: '<html>502 Bad Gateway</html>' },
      { toolCalls: [{ name: 'adjust_params', arguments: '{"crew": "sma-btc", "param": "fast", "value": ' }] },
    );
    m = await openManager({ env: env(), config: { provider: { model: 'stub-model', maxRetries: 0 } } });
    for (const text of ['one', 'two', 'three']) expect((await m.manager.converse(text, 'chan', OWNER)).outcome).toBe('failed');
    expect(m.events.filter((e) => e.type === 'alert').map((e) => e.type === 'alert' && e.kind)).toEqual(['llm-error', 'llm-error', 'malformed']);
    expect(m.h.desk.engine.crews.get('sma-btc')!.params.fast).toBe(10);
    expect(await m.audits('manager.action')).toHaveLength(0);
  });

  it('the daily report with the commentary of the real client', async () => {
    stub.script({ content: 'Commentary: a quiet day; nothing traded.\nRecommendations:\n- none', usage: { prompt_tokens: 900, completion_tokens: 20 } });
    m = await openManager({ env: env(), config: { provider: { model: 'stub-model', maxRetries: 0 } } });
    const report = await m.manager.runDailyReport();
    expect(report.commentary).toContain('a quiet day');
    expect(stub.chats[0]!.tools).toBeUndefined();
    expect(m.manager.usage().today.byPurpose.report).toEqual({ input: 900, output: 20, calls: 1 });
  });
});
