import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREWS_DIR, crewNameOfFile, isCrewFileName, loadCrews } from '../../src/crew/loader.ts';

// Fixture crews are written to a temp dir outside the repo, so tsc and vitest never pick them up.
// Bare imports would not resolve from there: they import zod and the template by absolute URL.
const REPO = resolve(CREWS_DIR, '..');
const ZOD = pathToFileURL(join(REPO, 'node_modules', 'zod', 'index.js')).href;
const TEMPLATE = pathToFileURL(join(REPO, 'src', 'crew', 'template.ts')).href;

interface FixtureParts {
  /** A zod object expression; `z` is in scope. */
  readonly params?: string;
  readonly indicators?: string;
  readonly warmup?: string;
}

function crewSource(name: string, parts: FixtureParts = {}): string {
  const { params = `z.object({ n: z.number().int().min(1).max(5).default(2).describe('A count.') })`, indicators = '() => ({})', warmup = '() => 1' } = parts;
  return `import { z } from '${ZOD}';
import { defineCrew } from '${TEMPLATE}';
export default defineCrew({
  name: '${name}',
  description: 'A fixture crew.',
  params: ${params},
  indicators: ${indicators},
  warmup: ${warmup},
  onCandle: () => ({ action: 'hold' }),
});
`;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'crewdesk-loader-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function dirWith(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, source] of Object.entries(files)) await writeFile(join(dir, file), source);
  return dir;
}

describe('loadCrews — the real crews/', () => {
  // Discovered, not listed: a crew added as the README's "Writing a crew" shows must not break this test.
  it('loads every crew file of crews/ with no problems, sorted by file name', async () => {
    const files = (await readdir(CREWS_DIR)).filter(isCrewFileName).sort();
    const { crews, problems } = await loadCrews([CREWS_DIR]);
    expect(problems).toEqual([]);
    expect([...crews.keys()]).toEqual(files.map((f) => crewNameOfFile(join(CREWS_DIR, f))));
    // The shipped crews are among them (a crews/ folder emptied by mistake would pass the line above).
    expect([...crews.keys()]).toEqual(expect.arrayContaining(['dca', 'donchian-breakout', 'rsi-reversion', 'sma-cross']));
  });

  it('CREWS_DIR is the absolute crews/ folder of the repository', () => {
    expect(CREWS_DIR).toBe(resolve(REPO, 'crews'));
  });
});

describe('loadCrews — broken modules are reported and skipped, the good ones still load', () => {
  it('reports each broken file once, with its path and a one-line reason', async () => {
    const first = await dirWith('first', {
      'good-one.ts': crewSource('good-one'),
      // A plain-JS crew module loads the same way.
      'good-two.mjs': crewSource('good-two'),
      'syntax-error.ts': `export default {\n  name: 'syntax-error',,\n};\n`,
      'throws-at-import.ts': `throw new Error('exchange key missing');\nexport default 1;\n`,
      'no-default.ts': `export const crew = 1;\n`,
      'unbounded.ts': crewSource('unbounded', { params: `z.object({ n: z.number().default(3).describe('No bounds.') })` }),
      'name-mismatch.ts': crewSource('another-name'),
    });
    // A later directory cannot replace a crew already loaded: the duplicate is the problem.
    const second = await dirWith('second', { 'good-one.ts': crewSource('good-one') });

    const { crews, problems } = await loadCrews([first, second]);

    expect([...crews.keys()]).toEqual(['good-one', 'good-two']);
    const byFile = new Map(problems.map((p) => [p.path, p.reason]));
    expect(problems).toHaveLength(6);
    expect(byFile.size).toBe(6); // one problem per broken file, not several
    expect(byFile.get(join(first, 'syntax-error.ts'))).toMatch(/^failed to load: .*(syntax-error\.ts:2:\d+|line 2, column \d+)/);
    expect(byFile.get(join(first, 'throws-at-import.ts'))).toBe('failed to load: exchange key missing');
    expect(byFile.get(join(first, 'no-default.ts'))).toMatch(/^no default export/);
    expect(byFile.get(join(first, 'unbounded.ts'))).toBe('params schema: param "n" needs .min() and .max() bounds');
    expect(byFile.get(join(first, 'name-mismatch.ts'))).toBe('crew name "another-name" does not match the file name "name-mismatch"');
    expect(byFile.get(join(second, 'good-one.ts'))).toBe(`duplicate crew name "good-one", already loaded from ${join(first, 'good-one.ts')}`);
    for (const { reason } of problems) expect(reason).not.toContain('\n');
    // The same order every run: directories as given, files by name.
    expect(problems.map((p) => p.path)).toEqual([
      join(first, 'name-mismatch.ts'),
      join(first, 'no-default.ts'),
      join(first, 'syntax-error.ts'),
      join(first, 'throws-at-import.ts'),
      join(first, 'unbounded.ts'),
      join(second, 'good-one.ts'),
    ]);
  });

  it('refuses a definition whose defaults, indicators or warmup fail, and a default export that is not a crew', async () => {
    const dir = await dirWith('runtime', {
      // Each field's default is in bounds, but together they break the crew's own rule.
      'bad-defaults.ts': crewSource('bad-defaults', {
        params: `z
          .object({
            lo: z.number().min(0).max(9).default(5).describe('Low.'),
            hi: z.number().min(0).max(9).default(1).describe('High.'),
          })
          .refine((p) => p.lo < p.hi, { message: 'lo must be below hi', path: ['lo'] })`,
      }),
      'bad-indicators.ts': crewSource('bad-indicators', {
        indicators: `() => { throw new Error('period must be positive'); }`,
      }),
      'bad-warmup.ts': crewSource('bad-warmup', { warmup: '() => -1' }),
      'plain-object.ts': `export default { name: 'plain-object', onCandle: () => ({ action: 'hold' }) };\n`,
    });

    const { crews, problems } = await loadCrews([dir]);

    expect(crews.size).toBe(0);
    expect(problems).toEqual([
      { path: join(dir, 'bad-defaults.ts'), reason: 'default params are invalid: lo: lo must be below hi' },
      { path: join(dir, 'bad-indicators.ts'), reason: 'indicators(defaults) threw: period must be positive' },
      {
        path: join(dir, 'bad-warmup.ts'),
        reason: 'warmup(defaults) returned -1, expected a whole number of candles ≥ 0',
      },
      {
        path: join(dir, 'plain-object.ts'),
        reason: 'default export is not a crew definition (expected `export default defineCrew({...})`)',
      },
    ]);
  });

  it("refuses a number param bounded only by .int() (zod's ±2^53 is not a bound), and one bounded on one side", async () => {
    const dir = await dirWith('int-only', {
      'int-only.ts': crewSource('int-only', { params: `z.object({ period: z.number().int().default(50).describe('No bounds but int.') })` }),
      'int-min.ts': crewSource('int-min', { params: `z.object({ period: z.number().int().min(2).default(50).describe('A floor only.') })` }),
      'int-bounded.ts': crewSource('int-bounded', { params: `z.object({ period: z.number().int().min(2).max(500).default(50).describe('Bounded.') })` }),
    });

    const { crews, problems } = await loadCrews([dir]);

    expect([...crews.keys()]).toEqual(['int-bounded']);
    expect(problems).toEqual([
      { path: join(dir, 'int-min.ts'), reason: 'params schema: param "period" needs .min() and .max() bounds' },
      { path: join(dir, 'int-only.ts'), reason: 'params schema: param "period" needs .min() and .max() bounds' },
    ]);
  });

  it('ignores declarations, tests, private and hidden files, other extensions and subfolders', async () => {
    const boom = `throw new Error('must not be imported');\n`;
    const dir = await dirWith('ignored', {
      'only-crew.ts': crewSource('only-crew'),
      '_helpers.ts': boom,
      '.hidden.ts': boom,
      'only-crew.d.ts': boom,
      'only-crew.test.ts': boom,
      'README.md': '# not a crew\n',
      'data.json': '{}',
    });
    await mkdir(join(dir, 'nested'));
    await writeFile(join(dir, 'nested', 'nested-crew.ts'), boom);

    const { crews, problems } = await loadCrews([dir]);

    expect(problems).toEqual([]);
    expect([...crews.keys()]).toEqual(['only-crew']);
  });

  it('reports a missing directory as a problem and still loads the others', async () => {
    const missing = join(root, 'does-not-exist');
    const { crews, problems } = await loadCrews([missing, CREWS_DIR]);
    expect(problems).toEqual([{ path: missing, reason: 'crew directory not found' }]);
    expect([...crews.keys()]).toEqual([...(await loadCrews([CREWS_DIR])).crews.keys()]);
    expect(crews.size).toBeGreaterThan(0);
  });
});

describe('crew file names', () => {
  it.each([
    ['sma-cross.ts', true],
    ['grid.mts', true],
    ['grid.js', true],
    ['grid.mjs', true],
    ['grid.cjs', false],
    ['grid.d.ts', false],
    ['grid.d.mts', false],
    ['grid.test.ts', false],
    ['grid.spec.mjs', false],
    ['_shared.ts', false],
    ['.grid.ts', false],
    ['grid.json', false],
  ])('%s is a crew module: %s', (file, expected) => {
    expect(isCrewFileName(file)).toBe(expected);
  });

  it('a crew is named after its file without the extension', () => {
    expect(crewNameOfFile('/x/crews/donchian-breakout.ts')).toBe('donchian-breakout');
    expect(crewNameOfFile('grid.mjs')).toBe('grid');
  });
});
