// The checks in their worker thread say exactly what the checks say inline — a pass, and a
// compiler's refusal word for word — and once the worker is gone the checks still run (inline).
import { afterAll, describe, expect, it } from 'vitest';
import { workerChecker } from '../../src/forge/checker.ts';
import { checkDraft } from '../../src/forge/checks.ts';
import { GOOD_DRAFT, GOOD_NAME, TYPE_ERROR_DRAFT } from './drafts.ts';

const checker = workerChecker();
afterAll(() => checker.close());

describe('the forge’s checks in a worker thread', () => {
  it('give the same report as inline, for a good draft and for one with a type error', async () => {
    const good = { fileName: `${GOOD_NAME}.ts`, source: GOOD_DRAFT, existingNames: new Set(['sma-cross']) };
    const bad = { fileName: `${GOOD_NAME}.ts`, source: TYPE_ERROR_DRAFT, existingNames: new Set<string>() };
    const [inWorker, badInWorker] = await Promise.all([checker.check(good), checker.check(bad)]);
    expect(inWorker).toEqual(checkDraft(good));
    expect(inWorker.ok).toBe(true);
    expect(badInWorker).toEqual(checkDraft(bad));
    expect(JSON.stringify(badInWorker)).toContain('TS2322');
    // The name rule sees the names it was given, across the thread.
    const taken = await checker.check({ ...good, existingNames: new Set([GOOD_NAME]) });
    expect(taken.ok).toBe(false);
    expect(checker.inWorker).toBe(true);
  }, 120_000);

  it('still checks once the worker is closed (inline)', async () => {
    await checker.close();
    expect(checker.inWorker).toBe(false);
    const report = await checker.check({ fileName: `${GOOD_NAME}.ts`, source: GOOD_DRAFT, existingNames: new Set() });
    expect(report.ok).toBe(true);
  }, 120_000);
});
