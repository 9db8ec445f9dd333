// A typed command line — "/crew set sma-btc fast 12", "/halt flatten", "/trades n:5",
// "/crew spawn sma-cross BTCUSDT 1h {"fast": 12}" — as an invocation of the same command a
// Discord slash command runs. Options go by `name:value` or by position in the spec's order;
// quotes group words, JSON objects and arrays stay whole, and the last text option takes the
// rest of the line ("/halt cancel weekend break").
import type { CommandSpec, OptionSpec } from './command.ts';
import { optionsOf } from './options.ts';
import { fail, ok, type Result } from '../services/result.ts';

export interface ParsedCommandLine {
  readonly command: string;
  readonly subcommand: string | null;
  /** Raw text values; the dispatcher checks and converts them. */
  readonly options: Record<string, string>;
}

interface Token {
  readonly text: string;
  /** Set when the token is `name:value` with an unquoted name. */
  readonly named?: { readonly name: string; readonly value: string };
}

const OPTION_NAME = /^[a-z0-9_-]{1,32}$/;

/** Splits a line into words: quotes ("…" or '…' at a word's start or after "name:") and JSON ({…}, […]) stay whole. */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) break;
    let text = '';
    let colonAt = -1;
    let quoted = false;
    while (i < n && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      const atValueStart = text === '' || (colonAt >= 0 && text.length === colonAt + 1);
      if ((c === '"' || c === "'") && atValueStart) {
        const closed = readQuoted(line, i);
        if (closed) {
          text += closed.value;
          i = closed.end;
          quoted = true;
          continue;
        }
      }
      if ((c === '{' || c === '[') && atValueStart) {
        const end = readJson(line, i);
        if (end > 0) {
          text += line.slice(i, end);
          i = end;
          continue;
        }
      }
      if (c === ':' && colonAt < 0 && !quoted && OPTION_NAME.test(text)) colonAt = text.length;
      text += c;
      i++;
    }
    tokens.push(colonAt >= 0 ? { text, named: { name: text.slice(0, colonAt), value: text.slice(colonAt + 1) } } : { text });
  }
  return tokens;
}

/** A quoted string from `start` (the quote); null when it is never closed (the quote is then an ordinary character). */
function readQuoted(line: string, start: number): { value: string; end: number } | null {
  const quote = line[start]!;
  let value = '';
  for (let i = start + 1; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && quote === '"' && i + 1 < line.length) {
      value += line[++i]!;
      continue;
    }
    if (c === quote) return { value, end: i + 1 };
    value += c;
  }
  return null;
}

/** The end (exclusive) of a balanced JSON object or array from `start`, or -1. */
function readJson(line: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Parses "/name [subcommand] [options…]" against the command specs. An unknown command is passed
 * through (the dispatcher answers it); a command with subcommands and none typed runs its first
 * subcommand when that one needs no option (/crew → /crew list).
 */
export function parseCommandLine(line: string, find: (name: string) => CommandSpec | undefined): Result<ParsedCommandLine> {
  const trimmed = line.trim();
  if (!trimmed.startsWith('/')) return fail('a command starts with "/"');
  const tokens = tokenize(trimmed.slice(1));
  const first = tokens.shift();
  if (!first || first.text === '') return fail('type a command after "/", e.g. /help');
  const command = first.text.toLowerCase();
  const spec = find(command);
  if (!spec) return ok({ command, subcommand: null, options: {} });

  let subcommand: string | null = null;
  const subs = spec.subcommands ?? [];
  if (subs.length > 0) {
    const next = tokens[0];
    if (next && !next.named) {
      subcommand = next.text.toLowerCase();
      tokens.shift();
    } else if (subs[0] && !(subs[0].options ?? []).some((o) => o.required)) {
      subcommand = subs[0].name;
    } else {
      return fail(`/${spec.name} needs a subcommand: ${subs.map((s) => s.name).join(', ')}`);
    }
  }
  const resolved = optionsOf(spec, subcommand);
  if (!resolved.ok) return resolved;
  const options = assign(resolved.value.options, tokens, `/${spec.name}${subcommand ? ` ${subcommand}` : ''}`);
  if (!options.ok) return options;
  return ok({ command, subcommand, options: options.value });
}

function assign(specs: readonly OptionSpec[], tokens: readonly Token[], where: string): Result<Record<string, string>> {
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (const token of tokens) {
    if (token.named && specs.some((s) => s.name === token.named!.name)) {
      if (token.named.name in options) return fail(`option "${token.named.name}" is given twice`);
      options[token.named.name] = token.named.value;
    } else {
      positional.push(token.text);
    }
  }
  const slots = specs.filter((s) => !(s.name in options));
  for (let k = 0; k < positional.length; k++) {
    const slot = slots[k];
    if (!slot)
      return fail(
        `too many values for ${where}: ${positional
          .slice(k)
          .map((p) => JSON.stringify(p))
          .join(' ')} (options: ${specs.map((s) => s.name).join(', ') || 'none'})`,
      );
    const isLast = k === slots.length - 1;
    if (isLast && slot.type === 'string' && positional.length > slots.length) {
      options[slot.name] = positional.slice(k).join(' ');
      break;
    }
    options[slot.name] = positional[k]!;
  }
  return ok(options);
}
