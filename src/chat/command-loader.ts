// Finds the command modules in commands/ and checks each against Discord's rules before anyone
// can run it. One file per command, default export `{ data, execute }`. A broken file (does not
// load, wrong shape, a spec Discord would refuse) is reported with its path and a one-line reason
// and skipped: the others still load.
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CommandModule, CommandSpec, OptionSpec } from './command.ts';

/** The repository's commands/ directory. */
export const COMMANDS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'commands');

export interface CommandLoadProblem {
  readonly path: string;
  readonly reason: string;
}

export interface LoadedCommands<S> {
  readonly commands: Map<string, CommandModule<S>>;
  readonly problems: CommandLoadProblem[];
}

const NAME = /^[a-z0-9_-]{1,32}$/;
const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
const OPTION_TYPES = new Set(['string', 'integer', 'number', 'boolean']);
const MAX_OPTIONS = 25;
const MAX_CHOICES = 25;
const MAX_DESCRIPTION = 100;
const MAX_STRING_LENGTH = 6000;

export function isCommandFileName(fileName: string): boolean {
  if (fileName.startsWith('_') || fileName.startsWith('.')) return false;
  if (!MODULE_EXTENSIONS.includes(extname(fileName))) return false;
  return !/\.d\.m?ts$/.test(fileName) && !/\.(test|spec)\./.test(fileName);
}

/** Loads every command module directly inside `dirs`; never throws for a bad module or a missing directory. */
export async function loadCommands<S>(dirs: readonly string[] = [COMMANDS_DIR]): Promise<LoadedCommands<S>> {
  const commands = new Map<string, CommandModule<S>>();
  const loadedFrom = new Map<string, string>();
  const problems: CommandLoadProblem[] = [];
  for (const dir of dirs.map((d) => resolve(d))) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter(isCommandFileName).sort();
    } catch (error) {
      problems.push({ path: dir, reason: `cannot read the command directory: ${messageOf(error)}` });
      continue;
    }
    for (const name of names) {
      const file = join(dir, name);
      let loaded: Record<string, unknown>;
      try {
        loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      } catch (error) {
        problems.push({ path: file, reason: `failed to load: ${firstLine(messageOf(error))}` });
        continue;
      }
      const problem = checkCommand(loaded['default'], basename(file, extname(file)));
      if (problem) {
        problems.push({ path: file, reason: problem });
        continue;
      }
      const command = loaded['default'] as CommandModule<S>;
      const earlier = loadedFrom.get(command.data.name);
      if (earlier) {
        problems.push({ path: file, reason: `duplicate command /${command.data.name}, already loaded from ${earlier}` });
        continue;
      }
      commands.set(command.data.name, command);
      loadedFrom.set(command.data.name, file);
    }
  }
  return { commands, problems };
}

/** Why a module's default export is not a command Discord would accept, or null when it is. */
export function checkCommand(value: unknown, expectedName?: string): string | null {
  if (typeof value !== 'object' || value === null) return 'no default export (expected `export default { data, execute }`)';
  const module = value as Partial<CommandModule>;
  if (typeof module.execute !== 'function') return 'execute is not a function';
  const spec = module.data;
  if (typeof spec !== 'object' || spec === null) return 'data (the command spec) is missing';
  if (typeof spec.name !== 'string' || !NAME.test(spec.name))
    return `command name ${JSON.stringify(spec.name)} must be 1-32 lower-case letters, digits, "-" or "_"`;
  if (expectedName !== undefined && spec.name !== expectedName) return `command name "${spec.name}" does not match the file name "${expectedName}"`;
  const described = checkDescription(spec.description, `/${spec.name}`);
  if (described) return described;
  const subs = spec.subcommands ?? [];
  if (subs.length > 0 && (spec.options ?? []).length > 0) return `/${spec.name} has both subcommands and options (Discord takes one or the other)`;
  if (subs.length > MAX_OPTIONS) return `/${spec.name} has ${subs.length} subcommands; at most ${MAX_OPTIONS}`;
  const subNames = new Set<string>();
  for (const sub of subs) {
    if (typeof sub.name !== 'string' || !NAME.test(sub.name)) return `/${spec.name}: subcommand name ${JSON.stringify(sub.name)} is not valid`;
    if (subNames.has(sub.name)) return `/${spec.name}: duplicate subcommand "${sub.name}"`;
    subNames.add(sub.name);
    const problem = checkDescription(sub.description, `/${spec.name} ${sub.name}`) ?? checkOptions(sub.options ?? [], `/${spec.name} ${sub.name}`);
    if (problem) return problem;
  }
  return checkOptions(spec.options ?? [], `/${spec.name}`);
}

function checkDescription(description: unknown, where: string): string | null {
  if (typeof description !== 'string' || description.trim() === '') return `${where}: description is missing`;
  if (description.length > MAX_DESCRIPTION) return `${where}: description is ${description.length} characters; at most ${MAX_DESCRIPTION}`;
  return null;
}

function checkOptions(options: readonly OptionSpec[], where: string): string | null {
  if (options.length > MAX_OPTIONS) return `${where} has ${options.length} options; at most ${MAX_OPTIONS}`;
  const names = new Set<string>();
  let optionalSeen = false;
  for (const o of options) {
    const at = `${where} option ${JSON.stringify(o.name)}`;
    if (typeof o.name !== 'string' || !NAME.test(o.name)) return `${at}: name must be 1-32 lower-case letters, digits, "-" or "_"`;
    if (names.has(o.name)) return `${at}: duplicate option`;
    names.add(o.name);
    const described = checkDescription(o.description, at);
    if (described) return described;
    if (!OPTION_TYPES.has(o.type)) return `${at}: unknown type ${JSON.stringify(o.type)}`;
    if (o.required && optionalSeen) return `${at}: required options must come before optional ones`;
    if (!o.required) optionalSeen = true;
    if (o.choices) {
      if (o.type === 'boolean') return `${at}: a boolean takes no choices`;
      if (o.choices.length > MAX_CHOICES) return `${at}: ${o.choices.length} choices; at most ${MAX_CHOICES}`;
      if (o.autocomplete) return `${at}: choices and autocomplete cannot be combined`;
      for (const c of o.choices) {
        if (typeof c.value !== (o.type === 'string' ? 'string' : 'number')) return `${at}: choice ${JSON.stringify(c.value)} is not a ${o.type}`;
      }
    }
    if ((o.min !== undefined || o.max !== undefined) && o.type !== 'integer' && o.type !== 'number') return `${at}: min/max apply to numbers only`;
    if (o.min !== undefined && o.max !== undefined && o.min > o.max) return `${at}: min ${o.min} is above max ${o.max}`;
    if (o.maxLength !== undefined && (o.type !== 'string' || o.maxLength < 1 || o.maxLength > MAX_STRING_LENGTH)) {
      return `${at}: maxLength applies to strings, 1 to ${MAX_STRING_LENGTH}`;
    }
  }
  return null;
}

/** Every spec, for /help and for registering the commands with Discord. */
export function specsOf<S>(commands: ReadonlyMap<string, CommandModule<S>>): CommandSpec[] {
  return [...commands.values()].map((c) => c.data);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

function firstLine(text: string): string {
  const line =
    text
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split(/\r?\n/)
      .find((l) => l.trim() !== '') ?? 'unknown error';
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
