// The sandbox's copy of the desk's code, as plain JavaScript. Node's permission model forbids
// workers and child processes, and tsx needs both (its loader thread, esbuild's service), so
// the sandboxed process cannot compile TypeScript: the trusted parent transpiles src/ and
// crews/ here once (again only for files changed since), and the draft beside them.
//
// The copy lives under node_modules/.cache/ so that `zod` and `trading-signals` resolve from the
// project's node_modules, and the sandbox needs read access to node_modules (and the candles)
// only. Native addons (the SQLite bindings, the chart canvas) are replaced by a module that
// throws when used: a backtest needs neither, and the sandbox may not load addons.
import { type Dirent, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from './checks.ts';

export const BUILD_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'crewdesk-forge', 'build');
/** Drafts go two levels below the build's root, as crews/forged/ is below the project's: their `../../src/…` imports resolve. */
export const DRAFTS_DIR = join(BUILD_DIR, 'drafts');
const NATIVE_STUB = 'native-stub.js';
const NATIVE_MODULES = ['sqlite3', 'better-sqlite3', '@napi-rs/canvas'];
const NATIVE_IMPORT = new RegExp(`(from\\s*|import\\s*\\(\\s*)(['"])(${NATIVE_MODULES.map((m) => m.replace(/[/@.-]/g, '\\$&')).join('|')})\\2`, 'g');

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  sourceMap: false,
};

/**
 * Transpiles src/ and crews/ into BUILD_DIR where the source is newer than its copy. Returns the
 * build's root. Yields to the event loop between files: the first build takes seconds, and the
 * desk it runs in keeps trading meanwhile.
 */
export async function buildSandbox(): Promise<string> {
  mkdirSync(BUILD_DIR, { recursive: true });
  writeIfChanged(join(BUILD_DIR, 'package.json'), '{ "type": "module", "private": true }\n');
  writeIfChanged(
    join(BUILD_DIR, NATIVE_STUB),
    `// Native addons are not loaded in the forge sandbox.\nconst refuse = () => { throw new Error('native addons are not available in the forge sandbox'); };\nconst stub = new Proxy(function () {}, { get: refuse, apply: refuse, construct: refuse });\nexport default stub;\nexport const createCanvas = stub;\nexport const GlobalFonts = stub;\n`,
  );
  for (const top of ['src', 'crews']) {
    for (const file of tsFiles(join(PROJECT_ROOT, top))) {
      const out = join(BUILD_DIR, relative(PROJECT_ROOT, file)).replace(/\.ts$/, '.js');
      if (isFresh(file, out)) continue;
      const source = readIfThere(file);
      if (source === null) continue; // removed since the listing (a forged crew withdrawn meanwhile)
      writeAtomically(out, transpile(source, file, out));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return BUILD_DIR;
}

/** Writes a checked draft into its own folder of the build; returns the folder (a crew dir for the loader). */
export function placeDraft(token: string, name: string, source: string): string {
  const dir = join(DRAFTS_DIR, token);
  rmSync(dir, { recursive: true, force: true });
  writeAtomically(join(dir, `${name}.js`), transpile(source, `${name}.ts`, join(dir, `${name}.js`)));
  return dir;
}

export function removeDraft(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function transpile(source: string, fileName: string, out: string): string {
  const js = ts.transpileModule(source, { compilerOptions: OPTIONS, fileName }).outputText;
  const stub = relative(dirname(out), join(BUILD_DIR, NATIVE_STUB));
  return js.replace(NATIVE_IMPORT, (_m, lead: string, quote: string) => `${lead}${quote}${stub.startsWith('.') ? stub : `./${stub}`}${quote}`);
}

function tsFiles(dir: string): string[] {
  const files: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    // A folder under crews/ removed while it is walked (another desk's forged crews, withdrawn): nothing to build.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return files;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...tsFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

function readIfThere(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function isFresh(source: string, out: string): boolean {
  try {
    return statSync(out).mtimeMs >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
}

function writeIfChanged(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) return;
  } catch {
    // absent: written below
  }
  writeAtomically(file, text);
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}
