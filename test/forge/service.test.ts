// The forge end to end with the real ChatOpenAI against the OpenAI-compatible stub scripted to
// return modules: a good draft goes idea → checks → sandboxed backtests → report and chart →
// owner approval (written, loaded); a type error is fixed on the second attempt from the
// compiler's words; every model call counts under purpose `forge`; the manager cannot approve;
// a prover given to the forge (a research queue's) proves its drafts, and its failure is the draft's.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREWS_DIR, loadCrews } from '../../src/crew/loader.ts';
import type { AnyCrewDefinition } from '../../src/crew/template.ts';
import { PROJECT_ROOT } from '../../src/forge/checks.ts';
import { langchainForgeModel } from '../../src/forge/model.ts';
import { forgeReportText } from '../../src/forge/report.ts';
import type { ForgeProver, SandboxJob } from '../../src/forge/sandbox.ts';
import { type ForgeHost, ForgeService } from '../../src/forge/service.ts';
import { MemoryJournal } from '../../src/journal/memory-journal.ts';
import { UsageLedger } from '../../src/manager/usage.ts';
import { ok } from '../../src/services/result.ts';
import { OpenAIStub } from '../fakes/openai-stub/server.ts';
import { candlePath } from '../data/candle-fixtures.ts';
import { GOOD_DRAFT, GOOD_NAME, TYPE_ERROR_DRAFT, variant } from './drafts.ts';
import { sandboxJob } from './sandbox-job.ts';

const OWNER = { id: 'owner-1', via: 'console', isOwner: true } as const;
const MANAGER = { id: 'manager', via: 'manager', isOwner: true } as const;

let stub: OpenAIStub;
let draftsDir: string;
const forgedDir = join(PROJECT_ROOT, 'crews', `forged-test-${process.pid}`);

beforeAll(async () => {
  stub = await OpenAIStub.start();
  draftsDir = mkdtempSync(join(tmpdir(), 'crewdesk-forge-'));
});
afterAll(async () => {
  await stub.close();
  rmSync(draftsDir, { recursive: true, force: true });
  rmSync(forgedDir, { recursive: true, force: true });
});

async function forge(prove?: ForgeProver) {
  const { crews } = await loadCrews([CREWS_DIR]);
  const catalog = new Map<string, AnyCrewDefinition>(crews);
  const spawned: unknown[] = [];
  const host: ForgeHost = {
    crewNames: () => [...catalog.keys()],
    crewSource: (name) => (catalog.has(name) ? readFileSync(join(CREWS_DIR, `${name}.ts`), 'utf8') : null),
    async addCrewModule(file) {
      const loaded = await loadCrews([join(file, '..')]);
      for (const [name, crew] of loaded.crews) catalog.set(name, crew);
      return loaded.problems.length ? { ok: false, error: loaded.problems[0]!.reason } : ok(undefined);
    },
    async spawnPaper(request) {
      spawned.push(request);
      return ok(`${request.crew}-${request.symbol}`);
    },
  };
  const journal = new MemoryJournal();
  const ledger = await UsageLedger.open(
    journal,
    { dailyTokenBudget: 1_000_000, prices: { inputPerMillion: 0.15, outputPerMillion: 0.6, currency: 'USD' } },
    'stub-model',
    () => Date.UTC(2026, 0, 1),
  );
  const chat = new ChatOpenAI({
    model: 'stub-model',
    apiKey: 'sk-test',
    configuration: { baseURL: stub.baseUrl },
    streaming: false,
    useResponsesApi: false,
    maxRetries: 0,
  });
  const service = new ForgeService(
    draftsDir,
    langchainForgeModel(chat, 30_000),
    ledger,
    host,
    {
      maxAttempts: 3,
      data: [candlePath('btc1h')],
      symbol: 'BTCUSDT',
      interval: '1h',
      inSampleShare: 0.7,
      limits: { timeoutMs: 240_000, memoryMb: 512 },
      forgedDir,
      cash: 10_000,
      feeBps: 10,
    },
    undefined,
    undefined,
    prove,
  );
  return { service, ledger, catalog, spawned };
}

const submit = (fileName: string, source: string) => ({
  toolCalls: [{ name: 'submit_crew', arguments: { fileName, source } }],
  usage: { prompt_tokens: 3000, completion_tokens: 700 },
});

describe('ForgeService', () => {
  it('takes a good draft from idea to a proven report with chart, and the owner’s approval loads it and spawns it on paper', async () => {
    const { service, ledger, catalog, spawned } = await forge();
    stub.script(submit(`${GOOD_NAME}.ts`, GOOD_DRAFT));
    const result = await service.draft({ idea: 'buy an RSI bounce above the 50 EMA, sell when overbought' }, OWNER);
    if (!result.ok) throw new Error(result.error);
    const draft = result.value;
    expect(draft.state).toBe('proven');
    expect(draft.attempts).toHaveLength(1);
    if (!draft.proof?.ok) throw new Error('no proof');
    expect(draft.proof.inSample.end).toBe(draft.proof.outOfSample.start);
    expect(readFileSync(draft.chartFile!).subarray(1, 4).toString()).toBe('PNG');
    const text = forgeReportText(draft);
    expect(text).toMatch(/draft return\s+[+-]\d/);
    expect(text).toMatch(/buy and hold\s+\+/);
    expect(text).toContain('best crew');
    expect(text).toContain('Cost: 1 model call, 3000 input + 700 output tokens');
    // The prompt carried the idea as data and the tool to hand the module back.
    const sent = stub.chats.at(-1)!;
    expect(JSON.stringify(sent.messages)).toContain('<idea>\\nbuy an RSI bounce');
    expect(sent.tools?.map((t) => t.function.name)).toEqual(['submit_crew']);
    expect(ledger.report().today.byPurpose.forge).toEqual({ input: 3000, output: 700, calls: 1 });

    expect(await service.approve(draft.id, MANAGER)).toEqual({ ok: false, error: expect.stringContaining('only the owner approves') });
    expect(existsSync(join(forgedDir, `${GOOD_NAME}.ts`))).toBe(false);

    const approved = await service.approve(GOOD_NAME, OWNER, { symbol: 'BTCUSDT', interval: '15m', capital: '1000' });
    if (!approved.ok) throw new Error(approved.error);
    expect(approved.value.draft.state).toBe('approved');
    expect(catalog.get(GOOD_NAME)?.name).toBe(GOOD_NAME);
    expect(spawned).toEqual([{ crew: GOOD_NAME, symbol: 'BTCUSDT', interval: '15m', capital: '1000' }]);
    expect(service.show(draft.id)).toMatchObject({ ok: true, value: { state: 'approved', decidedBy: 'owner-1' } });
  }, 300_000);

  it('sends the compiler’s message back and takes the fix on the second attempt', async () => {
    const { service, ledger } = await forge();
    let retryPrompt = '';
    stub.script(submit('rsi-ema-two.ts', TYPE_ERROR_DRAFT.replace(`name: '${GOOD_NAME}'`, "name: 'rsi-ema-two'")), (request) => {
      retryPrompt = String(request.messages.at(-1)?.content);
      return submit('rsi-ema-two.ts', GOOD_DRAFT.replace(`name: '${GOOD_NAME}'`, "name: 'rsi-ema-two'"));
    });
    const result = await service.draft({ idea: 'an RSI dip buyer with a trend filter' }, OWNER);
    if (!result.ok) throw new Error(result.error);
    expect(result.value.attempts.map((a) => a.problems === '')).toEqual([false, true]);
    expect(result.value.attempts[0]!.problems).toMatch(/\[types\] line \d+, column \d+: error TS2322: .*Type 'string' is not assignable to type 'number'/);
    expect(retryPrompt).toContain('error TS2322');
    expect(retryPrompt).toContain("size: '1'");
    expect(result.value.state).toBe('proven');
    expect(ledger.report().today.byPurpose.forge.calls).toBe(2);
  }, 300_000);

  it('fails a draft that never passes the checks after the configured attempts, and keeps it', async () => {
    const { service } = await forge();
    const bad = GOOD_DRAFT.replace(`name: '${GOOD_NAME}'`, "name: 'env-reader'").replace(
      'const params =',
      'const key = process.env.BINANCE_API_SECRET;\nconst params =',
    );
    stub.script(submit('env-reader.ts', bad), submit('env-reader.ts', bad), submit('env-reader.ts', bad));
    const result = await service.draft({ idea: 'read the keys' }, OWNER);
    if (!result.ok) throw new Error(result.error);
    expect(result.value.state).toBe('failed');
    expect(result.value.failure).toBe('no attempt of 3 passed the checks');
    expect(result.value.attempts.every((a) => a.problems.includes('uses the global `process`'))).toBe(true);
    expect(service.list().map((d) => d.id)).toContain(result.value.id);
    expect(await service.approve(result.value.id, OWNER)).toEqual({ ok: false, error: expect.stringContaining('only a proven draft can be approved') });
  }, 120_000);
});

describe('ForgeService from an existing crew', () => {
  it('starts from a crew the idea names: its source goes to the model, the report shows a diff against it', async () => {
    const { service } = await forge();
    const fromRsi = readFileSync(join(CREWS_DIR, 'rsi-reversion.ts'), 'utf8')
      .replaceAll("'../src/", "'../../src/")
      .replace("name: 'rsi-reversion'", "name: 'rsi-trend'")
      .replace('Long only.', 'Long only, above the trend.');
    stub.script(submit('rsi-trend.ts', fromRsi.replace('const params =', 'const trend: number = "x";\nconst params =')), submit('rsi-trend.ts', fromRsi));
    const result = await service.draft({ idea: 'rsi-reversion with a trend filter' }, OWNER);
    if (!result.ok) throw new Error(result.error);
    expect(JSON.stringify(stub.chats.at(-2)!.messages)).toContain('Start from the existing crew \\"rsi-reversion\\"');
    expect(result.value.base).toBe('rsi-reversion');
    const text = forgeReportText(result.value, { withCode: true });
    expect(text).toContain('Code (a diff against rsi-reversion):');
    expect(text).toMatch(/^\+ .*Long only, above the trend\./m);
    expect(text).toMatch(/^- .*name: 'rsi-reversion'/m);
  }, 300_000);
});

describe('ForgeService with a research queue', () => {
  it('proves through the prover it is given (a research queue’s): a proof the queue could not get fails the draft with the reason', async () => {
    const asked: SandboxJob[] = [];
    const queue: ForgeProver = async (job, limits) => {
      asked.push(job);
      expect(limits).toEqual({ timeoutMs: 240_000, memoryMb: 512 });
      return { ok: false, stage: 'queue', reason: 'the research queue gave no proof: no research worker is listening on redis://127.0.0.1:6379/' };
    };
    const { service } = await forge(queue);
    // A name of its own: the drafts above may hold GOOD_NAME as a proven draft still pending.
    const source = variant("import { z } from 'zod';", "import { z } from 'zod';", 'queued-dip');
    stub.script(submit('queued-dip.ts', source));
    const result = await service.draft({ idea: 'buy an RSI bounce above the 50 EMA, sell when overbought' }, OWNER);
    if (!result.ok) throw new Error(result.error);
    // The checked module went to the prover as it passed the checks, with the forge's candles and costs.
    expect(asked).toEqual([sandboxJob(source, { name: 'queued-dip', compare: true })]);
    expect(result.value.state).toBe('failed');
    expect(result.value.failure).toBe('queue: the research queue gave no proof: no research worker is listening on redis://127.0.0.1:6379/');
  });
});
