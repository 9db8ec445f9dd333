// Which code a worker runs: a sha256 over the sources that decide a sweep's numbers (the engine,
// the risk gate, the paper exchange, the backtester, the crews' template, the market readers,
// the research jobs) and the indicator library's version; and, per crew, the sha256 of its
// module's source. A worker whose hashes differ from the owner's refuses the job: a different
// answer presented as the same one is worse than none.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crewDirectories } from '../crew/loader.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The folders of src/ whose code a run goes through. */
const CODE_DIRS = ['core', 'crew', 'engine', 'risk', 'backtest', 'exchange/paper', 'market', 'desk', 'journal', 'ports', 'config', 'research'];

let cached: string | null = null;

/** The engine code version of this checkout (computed once per process). */
export function engineCodeVersion(): string {
  if (cached !== null) return cached;
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const dir of CODE_DIRS) collect(join(ROOT, 'src', dir), files);
  for (const file of files.sort()) {
    hash.update(relative(ROOT, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  hash.update(`trading-signals@${pkg.dependencies?.['trading-signals'] ?? '?'}`);
  cached = hash.digest('hex');
  return cached;
}

let proofCached: string | null = null;

/**
 * The code a forge proof's numbers also depend on: the forge's evaluation (src/forge) and the
 * built-in crews it compares the draft against (crews/, top level), over the engine's version.
 */
export function proofCodeVersion(): string {
  if (proofCached !== null) return proofCached;
  const hash = createHash('sha256').update(engineCodeVersion());
  const files: string[] = [];
  collect(join(ROOT, 'src', 'forge'), files);
  for (const entry of readdirSync(join(ROOT, 'crews'), { withFileTypes: true })) {
    if (entry.isFile() && /\.(ts|js|mjs|mts)$/.test(entry.name)) files.push(join(ROOT, 'crews', entry.name));
  }
  for (const file of files.sort()) {
    hash.update(relative(ROOT, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  proofCached = hash.digest('hex');
  return proofCached;
}

function collect(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collect(path, out);
    else if (/\.(ts|js|mjs|mts)$/.test(entry.name)) out.push(path);
  }
}

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** The file a crew module is loaded from (the first folder that has it, as the loader does), or null. */
export function crewSourceFile(name: string, crewDirs: readonly string[] = []): string | null {
  for (const dir of crewDirectories(crewDirs)) {
    for (const ext of EXTENSIONS) {
      const file = join(dir, `${name}${ext}`);
      if (existsSync(file)) return file;
    }
  }
  return null;
}

/** The sha256 of a crew module's source, or null when no folder has it. */
export function crewSourceHash(name: string, crewDirs: readonly string[] = []): string | null {
  const file = crewSourceFile(name, crewDirs);
  return file === null ? null : createHash('sha256').update(readFileSync(file)).digest('hex');
}
