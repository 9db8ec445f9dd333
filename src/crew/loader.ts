// Finds crew modules in directories and checks each before anyone can run it. A crew is one
// file whose default export is `defineCrew({...})`; dropping a file into crews/ is how a crew is
// added. A broken file — it does not compile, it throws while loading, its schema is unsafe —
// becomes a problem with its path and a one-line reason, and the others still load: one bad crew
// must not keep the desk from starting.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isCrewDefinition, parseParams, schemaProblems, type AnyCrewDefinition } from './template.ts';

/** The repository's crews/ directory. */
export const CREWS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crews');

/** Where crew modules are looked for: crews/, then the config's extra folders (`crewDirs`). */
export function crewDirectories(crewDirs: readonly string[] = []): string[] {
  return [CREWS_DIR, ...crewDirs.map((d) => resolve(d))];
}

export interface CrewLoadProblem {
  /** The file (or directory) at fault, absolute. */
  readonly path: string;
  /** One line, for a log or a chat reply. */
  readonly reason: string;
}

export interface LoadedCrews {
  /** By crew name, in load order: the directories in the order given, files by name within each. */
  readonly crews: Map<string, AnyCrewDefinition>;
  readonly problems: CrewLoadProblem[];
}

const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;
const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_REASON_LENGTH = 300;

/**
 * Loads every crew module directly inside `dirs`. Never throws for a bad module or a missing
 * directory: each is reported in `problems` and skipped. A name already loaded from an earlier
 * file keeps the first one; the later file is the problem. Modules go through Node's module
 * cache: calling this again in the same process does not see edits to a file already imported
 * (a restart does).
 */
export async function loadCrews(dirs: readonly string[]): Promise<LoadedCrews> {
  const crews = new Map<string, AnyCrewDefinition>();
  const problems: CrewLoadProblem[] = [];
  const loadedFrom = new Map<string, string>();

  for (const dir of dirs) {
    const absoluteDir = resolve(dir);
    const listed = await listCrewFiles(absoluteDir);
    if (!listed.ok) {
      problems.push({ path: absoluteDir, reason: listed.reason });
      continue;
    }
    for (const file of listed.files) {
      const result = await loadCrewFile(file);
      if (!result.ok) {
        problems.push({ path: file, reason: oneLine(result.reason) });
        continue;
      }
      const earlier = loadedFrom.get(result.crew.name);
      if (earlier !== undefined) {
        problems.push({ path: file, reason: `duplicate crew name "${result.crew.name}", already loaded from ${earlier}` });
        continue;
      }
      crews.set(result.crew.name, result.crew);
      loadedFrom.set(result.crew.name, file);
    }
  }
  return { crews, problems };
}

/** Whether a file name is a crew module: a module extension, not a declaration, a test, or a private (`_`/`.`) file. */
export function isCrewFileName(fileName: string): boolean {
  if (fileName.startsWith('_') || fileName.startsWith('.')) return false;
  if (!(MODULE_EXTENSIONS as readonly string[]).includes(extname(fileName))) return false;
  if (/\.d\.m?ts$/.test(fileName)) return false;
  if (/\.(test|spec)\./.test(fileName)) return false;
  return true;
}

/** The crew name a file must declare: its name without the extension. */
export function crewNameOfFile(file: string): string {
  return basename(file, extname(file));
}

type Listing = { ok: true; files: string[] } | { ok: false; reason: string };

async function listCrewFiles(dir: string): Promise<Listing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: 'crew directory not found' };
    if (code === 'ENOTDIR') return { ok: false, reason: 'not a directory' };
    return { ok: false, reason: `cannot read crew directory: ${messageOf(error)}` };
  }
  const files: string[] = [];
  // Code-unit order, not the locale's: the same files load in the same order on every machine.
  for (const name of names.filter(isCrewFileName).sort()) {
    const file = join(dir, name);
    try {
      if ((await stat(file)).isFile()) files.push(file);
    } catch {
      // A dangling symlink or a file removed meanwhile: not a module to load.
    }
  }
  return { ok: true, files };
}

type FileResult = { ok: true; crew: AnyCrewDefinition } | { ok: false; reason: string };

async function loadCrewFile(file: string): Promise<FileResult> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, reason: `failed to load: ${messageOf(error)}` };
  }
  if (!('default' in module) || module.default === undefined) {
    return { ok: false, reason: 'no default export (expected `export default defineCrew({...})`)' };
  }
  const crew = module.default;
  if (!isCrewDefinition(crew)) {
    return { ok: false, reason: 'default export is not a crew definition (expected `export default defineCrew({...})`)' };
  }
  return checkCrew(crew, crewNameOfFile(file));
}

/** The checks a definition must pass before it can run, given the name its file implies. */
export function checkCrew(crew: AnyCrewDefinition, expectedName: string): FileResult {
  if (typeof crew.name !== 'string' || crew.name !== expectedName) {
    return { ok: false, reason: `crew name "${String(crew.name)}" does not match the file name "${expectedName}"` };
  }
  if (!KEBAB_CASE.test(crew.name)) return { ok: false, reason: `crew name "${crew.name}" is not kebab-case` };
  if (typeof crew.description !== 'string' || crew.description.trim() === '') {
    return { ok: false, reason: 'description is missing' };
  }
  for (const key of ['indicators', 'warmup', 'onCandle'] as const) {
    if (typeof crew[key] !== 'function') return { ok: false, reason: `${key} is not a function` };
  }

  let problems: string[];
  try {
    problems = schemaProblems(crew);
  } catch (error) {
    return { ok: false, reason: `params schema cannot be described: ${messageOf(error)}` };
  }
  if (problems.length > 0) return { ok: false, reason: `params schema: ${problems.join('; ')}` };

  const defaults = parseParams(crew, {});
  if (!defaults.ok) return { ok: false, reason: `default params are invalid: ${defaults.error}` };
  try {
    crew.indicators(defaults.params);
  } catch (error) {
    return { ok: false, reason: `indicators(defaults) threw: ${messageOf(error)}` };
  }
  let warmup: unknown;
  try {
    warmup = crew.warmup(defaults.params);
  } catch (error) {
    return { ok: false, reason: `warmup(defaults) threw: ${messageOf(error)}` };
  }
  if (typeof warmup !== 'number' || !Number.isInteger(warmup) || warmup < 0) {
    return { ok: false, reason: `warmup(defaults) returned ${String(warmup)}, expected a whole number of candles ≥ 0` };
  }
  return { ok: true, crew };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

// ANSI colour codes: transpilers colour their messages when they think a terminal is reading.
const ANSI = /\u001b\[[0-9;]*m/g;
const LOCATION = /:(\d+):(\d+)\b/;

/** One line from an error message, capped. Transpilers put a header line ending in ':' before
 * the detail ("Transform failed with 1 error:\n<file>:2:12: ERROR: …") and may draw a code frame
 * after it: keep the header and its detail, and the frame's line:column if the detail lacks one. */
function oneLine(text: string): string {
  const lines = text
    .replace(ANSI, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const [first = 'unknown error', second] = lines;
  let line = first.endsWith(':') && second !== undefined ? `${first} ${second}` : first;
  const framed = lines.length > 2 && !LOCATION.test(line) ? lines.slice(2).join('\n').match(LOCATION) : null;
  if (framed) line += ` (line ${framed[1]}, column ${framed[2]})`;
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 1)}…` : line;
}
