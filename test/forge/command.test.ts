// /forge in a running desk, through the real dispatcher, with the real ChatOpenAI against the
// stub: /forge new proves a draft while /status still answers; the report carries the chart;
// the manager cannot approve; the owner's /forge approve loads the module into the same desk
// without a restart and spawns it on paper, where it trades on real candles.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCandlesSync } from '../../src/market/csv-candles.ts';
import { PROJECT_ROOT } from '../../src/forge/checks.ts';
import { deskForgeHost } from '../../src/forge/desk-host.ts';
import { langchainForgeModel } from '../../src/forge/model.ts';
import { type ForgeHost, ForgeService } from '../../src/forge/service.ts';
import { type ChatDesk, MANAGER, openChatDesk, OWNER, replyText, TestSink } from '../chat/chat-harness.ts';
import { candlePath } from '../data/candle-fixtures.ts';
import { eventually } from '../emulator/harness.ts';
import { OpenAIStub } from '../fakes/openai-stub/server.ts';
import { GOOD_DRAFT, GOOD_NAME } from './drafts.ts';

const CONSOLE_OWNER = { id: 'console', via: 'console', isOwner: true } as const;
let stub: OpenAIStub;
let chat: ChatDesk;
const forgedDir = join(PROJECT_ROOT, 'crews', `forged-cmd-test-${process.pid}`);

beforeAll(async () => {
  stub = await OpenAIStub.start();
  // The forge acts on the desk the dispatcher serves, which exists only once the dispatcher does.
  let host: ForgeHost | undefined;
  const desk = (): ForgeHost =>
    host ??
    (() => {
      throw new Error('no desk yet');
    })();
  const lazy: ForgeHost = {
    crewNames: () => desk().crewNames(),
    crewSource: (name) => desk().crewSource(name),
    addCrewModule: (file) => desk().addCrewModule(file),
    spawnPaper: (request, actor) => desk().spawnPaper(request, actor),
  };
  const model = new ChatOpenAI({
    model: 'stub-model',
    apiKey: 'sk-test',
    configuration: { baseURL: stub.baseUrl },
    streaming: false,
    useResponsesApi: false,
    maxRetries: 0,
  });
  const budget = { check: async () => ({ ok: true as const }), record: async () => {} };
  const forge = new ForgeService(mkdtempSync(join(tmpdir(), 'crewdesk-forge-drafts-')), langchainForgeModel(model, 30_000), budget, lazy, {
    maxAttempts: 3,
    data: [candlePath('btc1h')],
    symbol: 'BTCUSDT',
    interval: '1h',
    inSampleShare: 0.7,
    limits: { timeoutMs: 240_000, memoryMb: 512 },
    forgedDir,
    cash: 10_000,
    feeBps: 10,
  });
  chat = await openChatDesk({ forge });
  host = deskForgeHost(chat.h.desk, chat.desk);
}, 120_000);

afterAll(async () => {
  await chat?.dispose();
  await stub.close();
  rmSync(forgedDir, { recursive: true, force: true });
});

describe('/forge', () => {
  it('drafts, reports, refuses the manager, and the owner’s approval hot-loads and spawns the crew on paper', async () => {
    stub.script({ toolCalls: [{ name: 'submit_crew', arguments: { fileName: `${GOOD_NAME}.ts`, source: GOOD_DRAFT } }], delayMs: 1_000 });
    let forged = false;
    // From the console: on Discord the report carries Approve / Reject buttons instead (test/discord/forge.test.ts).
    const running = chat.run({ actor: CONSOLE_OWNER, command: 'forge', subcommand: 'new', options: { idea: 'an RSI bounce above the 50 EMA' } }).then((r) => {
      forged = true;
      return r;
    });
    await eventually(() => stub.requests.length > 0, 'the forge called the model', 60_000);
    const status = await chat.run({ command: 'status' });
    expect(status.outcome).toBe('done');
    expect(forged).toBe(false);

    const { sink } = await running;
    const report = sink.last;
    expect(replyText(report)).toMatch(/Forge draft f1 — ema-rsi-dip \(proven\)/);
    expect(replyText(report)).toContain('out-of-sample');
    expect(report.files?.[0]?.data.subarray(1, 4).toString()).toBe('PNG');

    expect(replyText((await chat.run({ command: 'forge', subcommand: 'list' })).sink.last)).toMatch(/f1\s+ema-rsi-dip\s+proven/);
    expect(replyText((await chat.run({ command: 'forge', subcommand: 'show', options: { draft: GOOD_NAME } })).sink.last)).toContain(
      'export default defineCrew({',
    );

    const byManager = await chat.run({ actor: MANAGER, command: 'forge', subcommand: 'approve', options: { draft: 'f1' } }, new TestSink());
    expect(byManager.outcome).not.toBe('done');
    expect(existsSync(join(forgedDir, `${GOOD_NAME}.ts`))).toBe(false);

    const approved = await chat.run({
      actor: OWNER,
      command: 'forge',
      subcommand: 'approve',
      options: { draft: 'f1', symbol: 'BTCUSDT', interval: '1h', capital: '2000' },
    });
    expect(approved.sink.last).toMatchObject({ title: `Approved: ${GOOD_NAME}`, tone: 'good' });
    expect(replyText(approved.sink.last)).toContain('Spawned on paper');
    const crew = [...chat.h.desk.engine.crews.values()].find((c) => c.definition.name === GOOD_NAME);
    expect(crew).toBeDefined();

    const candles = [...readCandlesSync(candlePath('btc1h'), { symbol: 'BTCUSDT', interval: '1h' })].flat();
    await chat.trade(candles);
    const summary = chat.h.desk.engine.summaries().find((s) => s.id === crew!.id)!;
    expect(Number(summary.feesPaid)).toBeGreaterThan(0);
  }, 300_000);
});
