// The real composition root: `crewdesk start` as a process, paper trading on a local replay, with
// the forge configured against the OpenAI-compatible stub; the console drives /forge new …
// /forge approve, and the approved crew runs in the same process, on paper, without a restart. Once
// with the desk's own sandbox, once with a research queue (a real redis-server and a real `crewdesk
// worker` process): the proof is then made by the worker, in the same sandbox, and the desk says so.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/forge/checks.ts';
import { candleDir, candlePath } from '../data/candle-fixtures.ts';
import { eventually } from '../emulator/harness.ts';
import { OpenAIStub } from '../fakes/openai-stub/server.ts';
import { NEEDS_REDIS, RedisServer, requireRedis } from '../research/redis-server.ts';
import { WorkerProcess } from '../research/worker-process.ts';
import { GOOD_DRAFT, GOOD_NAME } from './drafts.ts';

let proc: ChildProcess | undefined;
let stub: OpenAIStub | undefined;
let redis: RedisServer | undefined;
let worker: WorkerProcess | undefined;
const forgedDirs: string[] = [];
const dirs: string[] = [];

afterAll(async () => {
  proc?.kill('SIGKILL');
  await stub?.close();
  await worker?.stop();
  await redis?.down();
  for (const d of [...forgedDirs, ...dirs]) rmSync(d, { recursive: true, force: true });
});

/** `crewdesk start` with the forge on the stub: /forge new, proven, /forge approve, listed. Returns what it printed. */
async function forgeThroughStart(research: { readonly redisUrl: string } | null): Promise<string> {
  {
    const forgedDir = join(PROJECT_ROOT, 'crews', `forged-proc-test-${process.pid}-${forgedDirs.length}`);
    forgedDirs.push(forgedDir);
    const dir = mkdtempSync(join(tmpdir(), 'crewdesk-forge-start-'));
    dirs.push(dir);
    await stub?.close();
    stub = await OpenAIStub.start();
    stub.script({
      toolCalls: [{ name: 'submit_crew', arguments: { fileName: `${GOOD_NAME}.ts`, source: GOOD_DRAFT } }],
      usage: { prompt_tokens: 4000, completion_tokens: 600 },
    });
    const configFile = join(dir, 'crewdesk.yaml');
    writeFileSync(
      configFile,
      [
        'mode: paper',
        `journal: ${join(dir, 'journal.sqlite')}`,
        `crewDirs: [${forgedDir}]`,
        `replay: { data: ${candleDir().dir}, speed: 1 }`,
        'manager: { evaluation: { enabled: false }, report: { enabled: false }, provider: { maxRetries: 0 } }',
        `forge: { data: [${candlePath('btc1h')}], timeoutSeconds: 240, forgedDir: ${forgedDir} }`,
        ...(research ? [`research: { redis: "${research.redisUrl}" }`] : []),
        'teams:',
        '  - name: alpha',
        '    capital: "10000"',
        '    crews:',
        '      - { id: sma-btc, crew: sma-cross, symbol: BTCUSDT, interval: 1h, capital: "3000" }',
      ].join('\n'),
    );
    const env = { PATH: process.env.PATH ?? '', HOME: dir, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: stub.baseUrl, DISCORD_TOKEN: '', LOG_LEVEL: 'error' };
    proc = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/crewdesk.js'), 'start', '--config', configFile, '--offline'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const send = (line: string) => proc!.stdin!.write(`${line}\n`);
    const waitFor = (pattern: RegExp, what: string, ms = 120_000) => eventually(() => pattern.test(out), `${what}; output so far:\n${out}`, ms);

    await waitFor(/crewdesk: journal /, 'the desk started');
    // The console reads once it is up (after the journal line): ask /status until it answers.
    for (let tries = 0; !/Open orders/.test(out); tries++) {
      if (tries > 60) throw new Error(`the console never answered /status:\n${out}`);
      send('/status');
      await eventually(() => /Open orders/.test(out) || undefined, 'status', 2_000).catch(() => undefined);
    }
    send('/forge new buy an RSI bounce above the 50 EMA, sell when the RSI is overbought');
    await waitFor(/ema-rsi-dip \(proven\)/, 'the draft was proven', 240_000);
    expect(out).toMatch(/draft return/);
    send(`/forge approve f1 BTCUSDT 1h capital:1000`);
    await waitFor(/Spawned on paper/, 'the draft was approved and spawned');
    expect(existsSync(join(forgedDir, `${GOOD_NAME}.ts`))).toBe(true);
    send('/crew list');
    await waitFor(/ema-rsi-dip-btcusdt-1h|ema-rsi-dip/, 'the crew is listed');
    expect(proc.exitCode).toBeNull();
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc?.kill('SIGKILL'), 60_000);
    const code = await new Promise((r) => (proc!.exitCode !== null ? r(proc!.exitCode) : proc!.once('exit', (c) => r(c))));
    clearTimeout(killer);
    expect(code, out).toBe(0);
    proc = undefined;
    return out;
  }
}

describe('crewdesk start with the forge', () => {
  it('drafts, proves and approves from the console; the crew is spawned on paper in the running desk', async () => {
    const out = await forgeThroughStart(null);
    expect(out).not.toMatch(/forge proofs go to the research/);
  }, 400_000);

  it(`with a research queue, the draft is proven by a crewdesk worker process (${NEEDS_REDIS})`, async () => {
    // Only this test needs it: the others run (and fail on their own) without redis-server.
    redis = await RedisServer.start(requireRedis());
    worker = await WorkerProcess.start('wforge', [
      '--redis',
      redis.url,
      '--data',
      candleDir().dir,
      '--cache',
      mkdtempSync(join(tmpdir(), 'crewdesk-forge-cache-')),
    ]);
    const out = await forgeThroughStart({ redisUrl: redis.url });
    expect(out).toMatch(/crewdesk: forge proofs go to the research queue/);
    expect(worker.output).toMatch(/takes forge proof \S+: draft ema-rsi-dip on BTCUSDT 1h/);
    expect(worker.output).toMatch(/finished forge proof \S+ in [\d.]+ s/);
  }, 400_000);
});
