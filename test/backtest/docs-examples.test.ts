// Every example in docs/backtesting.md reproduces exactly as printed: each ```sh block of
// `crewdesk …` followed by its output block is run as written (through bin/crewdesk.js, from the
// repository root, on ../shared/data/candles) and its stdout compared line for line; the JSON
// example is compared field by field (its arrays shortened to their first items); the team
// example's config is the doc's own YAML block. Skipped, saying why, without the shared candles.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../data/candle-fixtures.ts';

const run = promisify(execFile);
const DOC = join(REPO_ROOT, 'docs', 'backtesting.md');
// The docs name this path literally, relative to the repository root.
const SHARED = join(REPO_ROOT, '..', 'shared', 'data', 'candles', 'BTCUSDT-1h-2021-Q1.csv');
const present = existsSync(SHARED);
if (!present) console.info(`docs examples: skipped, ${SHARED} is absent (the documented commands run on the shared candles)`);

interface Block {
  readonly info: string;
  readonly text: string;
}

/** The fenced blocks of a markdown file, in order. */
function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) out.push({ info: m[1]!, text: m[2]! });
  return out;
}

/** A shell command line's words: `\` line continuations joined, single and double quotes honoured. */
function words(command: string): string[] {
  const line = command.replace(/\\\n\s*/g, ' ').trim();
  const out: string[] = [];
  let word = '';
  let quote: string | null = null;
  let started = false;
  for (const ch of line) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || word !== '') out.push(word);
      word = '';
      started = false;
    } else {
      word += ch;
    }
  }
  if (started || word !== '') out.push(word);
  return out;
}

/** The value after a flag, or undefined. */
function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Runs `crewdesk …` as the docs show it, from the repository root. */
async function crewdesk(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  expect(args[0]).toBe('crewdesk');
  return run(process.execPath, ['bin/crewdesk.js', ...args.slice(1)], { cwd: REPO_ROOT, maxBuffer: 32 << 20 });
}

/** `expected` as the docs shorten it: every field given equals the actual one; an array is a prefix of the actual one. */
function expectShortened(expected: unknown, actual: unknown, path: string): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBeGreaterThanOrEqual(expected.length);
    expected.forEach((item, i) => {
      expectShortened(item, (actual as unknown[])[i], `${path}[${i}]`);
    });
  } else if (typeof expected === 'object' && expected !== null) {
    expect(typeof actual, path).toBe('object');
    for (const [key, value] of Object.entries(expected)) expectShortened(value, (actual as Record<string, unknown>)[key], `${path}.${key}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

describe.skipIf(!present)('docs/backtesting.md: every example reproduces exactly as printed', () => {
  const doc = readFileSync(DOC, 'utf8');
  const all = blocks(doc);
  const dir = present ? mkdtempSync(join(tmpdir(), 'crewdesk-docs-')) : '';
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  // The config files the docs show (a YAML block whose first line names its file).
  const configs = new Map<string, string>();
  for (const b of all) {
    const name = /^# (\S+\.ya?ml)\n/.exec(b.text)?.[1];
    if (b.info === 'yaml' && name !== undefined) configs.set(name, b.text);
  }

  // An example: a `crewdesk …` command followed by its output.
  const examples: { command: string; output: string }[] = [];
  all.forEach((b, i) => {
    const next = all[i + 1];
    if (b.info === 'sh' && b.text.startsWith('crewdesk ') && next !== undefined && next.info === '') examples.push({ command: b.text, output: next.text });
  });

  it('has the examples it is meant to hold: a backtest, a team backtest and a sweep', () => {
    expect(examples.map((e) => words(e.command).slice(0, 3).join(' '))).toEqual([
      'crewdesk backtest --crew',
      'crewdesk backtest --team',
      'crewdesk optimize --crew',
    ]);
  });

  for (const [index, example] of examples.entries()) {
    it(`example ${index + 1}: ${words(example.command).slice(0, 3).join(' ')} … prints what the docs print`, { timeout: 300_000 }, async () => {
      const args = words(example.command);
      let expected = example.output;
      // --out goes to a scratch folder (the line saying where is compared with that folder).
      const out = flag(args, '--out');
      if (out !== undefined) {
        const scratch = join(dir, `out-${index}`);
        args[args.indexOf('--out') + 1] = scratch;
        expected = expected.replace(` to ${out}\n`, ` to ${scratch}\n`);
      }
      const team = flag(args, '--team');
      if (team !== undefined) {
        const yaml = configs.get(team);
        expect(yaml, `the docs show ${team}`).toBeDefined();
        const file = join(dir, team);
        writeFileSync(file, yaml!);
        args[args.indexOf('--team') + 1] = file;
      }
      const { stdout, stderr } = await crewdesk(args);
      expect(stderr).toBe('');
      expect(stdout.split('\n')).toEqual(expected.split('\n'));
    });
  }

  it('the JSON example is the first example with --json, as printed (its arrays shortened)', { timeout: 120_000 }, async () => {
    const json = all.find((b) => b.info === 'json' && b.text.includes('"kind": "backtest"'));
    expect(json).toBeDefined();
    const args = words(examples[0]!.command);
    const out = args.indexOf('--out');
    if (out >= 0) args.splice(out, 2);
    const { stdout, stderr } = await crewdesk([...args, '--json']);
    expect(stderr).toBe('');
    expectShortened(JSON.parse(json!.text), JSON.parse(stdout), 'result');
  });
});
