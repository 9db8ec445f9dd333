// The forge's static checks on drafted crew modules: the good one passes; each way out of a
// crew's pure computation is refused with a reason that names it and where it is.
import { describe, expect, it } from 'vitest';
import { checkDraft, describeProblems } from '../../src/forge/checks.ts';
import { GOOD_DRAFT, GOOD_NAME, TYPE_ERROR_DRAFT, variant, withImport, withOnCandle, withTopLevel } from './drafts.ts';

const EXISTING = new Set(['sma-cross', 'rsi-reversion', 'dca', 'donchian-breakout']);

function problems(source: string, fileName = `${GOOD_NAME}.ts`): string {
  const report = checkDraft({ fileName, source, existingNames: EXISTING });
  expect(report.ok).toBe(false);
  return describeProblems(report);
}

describe('checkDraft', () => {
  it('passes a good draft: every check ok, the name from the file', () => {
    const report = checkDraft({ fileName: `${GOOD_NAME}.ts`, source: GOOD_DRAFT, existingNames: EXISTING });
    expect(describeProblems(report)).toBe('');
    expect(report.ok).toBe(true);
    expect(report.name).toBe(GOOD_NAME);
    expect(report.checks.map((c) => c.rule)).toEqual(['name', 'syntax', 'imports', 'forbidden', 'types', 'params']);
  });

  it('refuses a draft reading process.env, naming the global', () => {
    expect(problems(withOnCandle('const key = process.env.BINANCE_API_SECRET;'))).toMatch(/\[forbidden\] line \d+, column \d+: uses the global `process`/);
  });

  it('refuses a draft importing node:fs to write a file', () => {
    const text = problems(
      withImport("import { writeFileSync } from 'node:fs';").replace('const ema = ind', "writeFileSync('/tmp/x', 'y');\n    const ema = ind"),
    );
    expect(text).toMatch(/\[imports\] line 4, column 1: imports "node:fs", which a crew may not import/);
  });

  it('refuses a draft importing node:child_process', () => {
    expect(problems(withImport("import { execSync } from 'node:child_process';"))).toContain('imports "node:child_process", which a crew may not import');
  });

  it('refuses Function and the constructor chain, however the key is spelled', () => {
    expect(problems(withTopLevel("const f = new Function('return 1');"))).toContain('uses the global `Function`');
    expect(problems(withTopLevel('const f = (() => 1).constructor;'))).toContain('`.constructor` is not allowed');
    expect(problems(withTopLevel("const f = (() => 1)['constructor'];"))).toContain('`["constructor"]` is not allowed');
    expect(problems(withTopLevel("const k = 'constr' + 'uctor';\nconst f = (() => 1)[k];"))).toMatch(
      /a computed member `\[k\]` with a key of type string is not allowed/,
    );
    expect(problems(withTopLevel('const f = Object.getPrototypeOf(() => 1);'))).toContain('`Object.getPrototypeOf` is not allowed');
  });

  it('refuses require, eval, dynamic import, globalThis, timers and the network', () => {
    expect(problems(withTopLevel("const m = require('fs');"))).toContain('uses the global `require`');
    expect(problems(withTopLevel("const v = eval('1');"))).toContain('uses the global `eval`');
    expect(problems(withTopLevel("const m = import('node:fs');"))).toContain('dynamic `import()` is not allowed');
    expect(problems(withTopLevel('const g = globalThis;'))).toContain('uses the global `globalThis`');
    expect(problems(withTopLevel('setTimeout(() => 1, 10);'))).toContain('uses the global `setTimeout`');
    expect(problems(withTopLevel("fetch('http://example.com');"))).toContain('uses the global `fetch`');
    expect(problems(withTopLevel('const r = Math.random();'))).toContain('`Math.random` is not allowed');
  });

  it('sends back the compiler’s words for a type error', () => {
    expect(problems(TYPE_ERROR_DRAFT)).toMatch(/\[types\] line \d+, column \d+: error TS2322: .*Type 'string' is not assignable to type 'number'/);
  });

  it('refuses a syntax error with its position', () => {
    expect(problems(variant('const params = z.object({', 'const params = z.object({{'))).toMatch(/\[syntax\] line \d+, column \d+: error TS/);
  });

  it('refuses a number param without bounds or default', () => {
    const text = problems(variant('.min(5).max(400).default(50)', '.default(50)'));
    expect(text).toMatch(/\[params\] line \d+, column \d+: a number param needs \.min\(\), \.max\(\)/);
  });

  it('refuses a name that is taken, not kebab-case, or differs from the file', () => {
    expect(problems(GOOD_DRAFT.replace(`name: '${GOOD_NAME}'`, "name: 'sma-cross'"), 'sma-cross.ts')).toContain('crew name "sma-cross" is taken');
    expect(problems(GOOD_DRAFT, 'EmaRsi.ts')).toContain('crew name "EmaRsi" is not kebab-case');
    expect(problems(GOOD_DRAFT, 'other-name.ts')).toContain('crew name "ema-rsi-dip" does not match the file name "other-name"');
  });
});
