// The crew forge's cost: the wall time of one draft — the checks (the TypeScript compiler and the
// allowlist), then the sandboxed proof (in-sample / out-of-sample, walk-forward, buy-and-hold and
// the existing crews, robustness ±20 %, the determinism rerun) — on one month of 1m candles of the
// seeded synthetic market; and what a draft being proven costs the desk: the candle close → order
// latency of binance-latency.ts, measured while drafts are proven back to back in the same process
// (the checks in their worker thread, as the desk runs them).
// The model is a scripted stand-in (no network): what is timed is the forge's own work.
import { variant } from '../test/forge/drafts.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withTempDir } from './temp-dir.ts';
import { workerChecker } from '../src/forge/checker.ts';
import type { ForgeModel } from '../src/forge/model.ts';
import { ForgeService } from '../src/forge/service.ts';
import { fail } from '../src/services/result.ts';
import { OHLCV_HEADER } from '../src/market/csv-candles.ts';
import { syntheticCandles } from '../src/market/synthetic.ts';
import { candleToOrder } from './binance-latency.ts';
import { percentile, round3 } from './stats.ts';

const OWNER = { id: 'bench', via: 'cli', isOwner: true } as const;
const MONTH_OF_MINUTES = 30 * 24 * 60;

/** A module as the model might write it (the forge tests' good draft), renamed per draft: each draft proposes a new crew. */
const draftSource = (name: string) => variant('', '', name);

export async function forgeDraft({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  return withTempDir(async (dir) => {
    const candles = join(dir, 'BTCUSDT-1m-bench.csv');
    const rows = [OHLCV_HEADER];
    for (const c of syntheticCandles('BTCUSDT', '1m', { seed: 7, count: MONTH_OF_MINUTES, start: Date.UTC(2024, 0, 1) })) {
      rows.push(`${c.openTime},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
    }
    writeFileSync(candles, `${rows.join('\n')}\n`);

    let drafted = 0;
    const model: ForgeModel = {
      complete: async () => {
        const name = `bench-draft-${++drafted}`;
        return { submission: { fileName: `${name}.ts`, source: draftSource(name) }, text: '', tokens: { input: 0, output: 0 } };
      },
    };
    // As the desk wires it (src/forge/wire.ts): the checks in a worker thread.
    const checker = workerChecker();
    const forge = new ForgeService(
      mkdtempSync(join(tmpdir(), 'crewdesk-bench-drafts-')),
      model,
      { check: async () => ({ ok: true }), record: async () => {} },
      {
        crewNames: () => ['sma-cross', 'rsi-reversion', 'donchian-breakout', 'dca'],
        crewSource: () => null,
        addCrewModule: async () => fail('benchmark: nothing is approved'),
        spawnPaper: async () => fail('benchmark: nothing is spawned'),
      },
      {
        maxAttempts: 1,
        data: [candles],
        symbol: 'BTCUSDT',
        interval: '1m',
        inSampleShare: 0.7,
        limits: { timeoutMs: 300_000, memoryMb: 512 },
        forgedDir: join(dir, 'forged'),
        cash: 10_000,
        feeBps: 10,
      },
      Date.now,
      checker.check,
    );
    const oneDraft = async (): Promise<number> => {
      const started = performance.now();
      const result = await forge.draft({ idea: 'an RSI bounce above the 50 EMA' }, OWNER);
      const seconds = (performance.now() - started) / 1000;
      if (!result.ok) throw new Error(`benchmark: the draft was refused: ${result.error}`);
      if (result.value.state !== 'proven')
        throw new Error(`benchmark: the draft ended ${result.value.state}: ${JSON.stringify(result.value.proof ?? result.value.attempts.at(-1))}`);
      return seconds;
    };

    try {
      // The worker warms the compiler up as it starts (at the desk's start): not a draft's time.
      let started = performance.now();
      await checker.check({ fileName: 'bench-warm-up.ts', source: draftSource('bench-warm-up'), existingNames: new Set() });
      const compilerWarmUpSeconds = (performance.now() - started) / 1000;
      // The first draft also builds the sandbox's JavaScript copy of src/ (only changed files later).
      const firstDraftSeconds = await oneDraft();
      const alone: number[] = [];
      for (let i = 0; i < (quick ? 2 : 5); i++) alone.push(await oneDraft());

      const rounds = 100 + (quick ? 100 : 1000);
      // The same desk with no draft under way, on the machine as loaded now: the figure to compare with.
      const baseline = await candleToOrder({ crews: 20, symbols: 1, rounds, paced: true });

      // Drafts proven back to back while the desk trades on the emulator: every candle close of
      // the measured rounds happens with a draft under way.
      let proving = true;
      const during: number[] = [];
      const drafting = (async () => {
        while (proving) during.push(await oneDraft());
      })();
      started = performance.now();
      let latency: Record<string, unknown>;
      try {
        latency = await candleToOrder({ crews: 20, symbols: 1, rounds, paced: true });
      } finally {
        proving = false;
        await drafting;
      }
      const latencySeconds = (performance.now() - started) / 1000;
      return {
        candles: MONTH_OF_MINUTES,
        compilerWarmUpSeconds: round3(compilerWarmUpSeconds),
        firstDraftSeconds: round3(firstDraftSeconds),
        oneDraftSeconds: { p50: round3(percentile(alone, 0.5)), max: round3(percentile(alone, 1)), runs: alone.length },
        target: 'one draft ≤ 10 s; close → order p99 within its target while a draft is proven',
        withoutDraft: { candleCloseToOrder: { '20 crews on 1 symbol': baseline } },
        whileProving: {
          drafts: during.length,
          draftSeconds: { p50: round3(percentile(during, 0.5)), max: round3(percentile(during, 1)) },
          latencySeconds: round3(latencySeconds),
          candleCloseToOrder: { '20 crews on 1 symbol': latency },
        },
        loadAverage: loadavg().map(round3),
      };
    } finally {
      await checker.close();
      rmSync(forge.store.dir, { recursive: true, force: true });
    }
  });
}
