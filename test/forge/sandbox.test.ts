// The sandbox on real candles: a good draft comes back with in-sample and out-of-sample KPIs,
// the comparison, robustness and determinism; a draft that loops forever or allocates without
// bound is killed with the reason; with the static checks bypassed, the permission model still
// refuses a file write and a child process, and the environment is empty.
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { proveInSandbox } from '../../src/forge/sandbox.ts';
import { GOOD_DRAFT, withImport, withOnCandle, withTopLevel } from './drafts.ts';
import { sandboxJob } from './sandbox-job.ts';

const job = sandboxJob;

describe('proveInSandbox', () => {
  it('returns in-sample and out-of-sample KPIs beside buy-and-hold and the existing crews, robustness and determinism', async () => {
    const outcome = await proveInSandbox(job(GOOD_DRAFT, { compare: true }), { timeoutMs: 240_000, memoryMb: 512 });
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.inSample.end).toBe(outcome.outOfSample.start);
    expect(outcome.inSample.candles + outcome.outOfSample.candles).toBe(outcome.full.candles);
    expect(outcome.inSample.buyAndHoldReturnPct).not.toBeNull();
    expect(outcome.full.roundTrips).toBeGreaterThan(0);
    expect(outcome.existing.map((e) => e.crew)).toEqual(expect.arrayContaining(['sma-cross', 'rsi-reversion']));
    expect(outcome.robustness.map((r) => r.param)).toEqual(expect.arrayContaining(['trend', 'period', 'oversold', 'overbought']));
    expect(outcome.walkForward).toHaveLength(3);
    expect(outcome.deterministic).toBe(true);
    expect(outcome.equity.length).toBeGreaterThan(100);
  }, 300_000);

  it('kills a draft that loops forever, naming the wall-clock limit', async () => {
    const outcome = await proveInSandbox(job(withOnCandle('while (candle.close > 0) { ind.prev = 1; }')), { timeoutMs: 8_000, memoryMb: 512 });
    expect(outcome).toEqual({ ok: false, stage: 'sandbox', reason: expect.stringMatching(/^killed: exceeded the wall-clock limit of 8 s/) });
  }, 120_000);

  it('runs the proof at the lowest CPU priority, so a busy machine gives the desk its CPU first', async () => {
    // The checks are bypassed here: the draft reads its own process's niceness and reports it.
    const outcome = await proveInSandbox(
      job(withImport("import { getPriority } from 'node:os';").replace('const params =', "throw new Error('niceness ' + getPriority());\nconst params =")),
    );
    expect(outcome).toMatchObject({ ok: false, stage: 'load', reason: expect.stringContaining('niceness 19') });
  }, 120_000);

  it('kills a draft that allocates without bound, naming the memory cap', async () => {
    const hoard = withTopLevel('const hoard: number[][] = [];').replace(
      'const ema = ind.ema.add',
      'for (;;) hoard.push(new Array(100_000).fill(candle.close));\n    const ema = ind.ema.add',
    );
    const outcome = await proveInSandbox(job(hoard), { timeoutMs: 120_000, memoryMb: 128 });
    expect(outcome).toEqual({ ok: false, stage: 'sandbox', reason: 'killed: exceeded the memory cap of 128 MB' });
  }, 180_000);

  it('refuses a file write and a child process even with the checks bypassed, and shows no environment', async () => {
    const target = '/tmp/crewdesk-forge-escape-test';
    rmSync(target, { force: true });
    const write = await proveInSandbox(
      job(withImport("import { writeFileSync } from 'node:fs';").replace('const params =', `writeFileSync('${target}', 'x');\nconst params =`)),
    );
    expect(write).toMatchObject({ ok: false, stage: 'load', reason: expect.stringContaining('Access to this API has been restricted') });
    expect(existsSync(target)).toBe(false);

    const spawn = await proveInSandbox(
      job(withImport("import { execSync } from 'node:child_process';").replace('const params =', "execSync('true');\nconst params =")),
    );
    expect(spawn).toMatchObject({ ok: false, stage: 'load', reason: expect.stringContaining('Access to this API has been restricted') });

    const env = await proveInSandbox(
      job(withTopLevel("if (Object.keys(process.env).length > 0) throw new Error('env: ' + Object.keys(process.env).join(','));")),
    );
    expect(env.ok).toBe(true);
  }, 300_000);
});
