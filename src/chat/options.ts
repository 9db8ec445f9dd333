// Option values checked against a command's spec before the command runs: type, required,
// choices, bounds, length. Discord checks some of this on its side, but a crafted interaction or
// the console's typed text can carry anything: the dispatcher checks it all again, naming the
// option in the message.
import type { CommandSpec, OptionSpec, OptionValues, SubcommandSpec } from './command.ts';
import { PLAIN_INTEGER, parsePlainNumber } from '../core/number-text.ts';
import { fail, ok, type Result } from '../services/result.ts';

export type OptionValue = string | number | boolean;

/** Discord's own cap on a string option. */
const STRING_MAX = 6000;
const TRUE = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'no', 'n', 'off', '0']);

/** The options a command (or one of its subcommands) takes, or why the subcommand is wrong. */
export function optionsOf(spec: CommandSpec, subcommand: string | null): Result<{ options: readonly OptionSpec[]; sub: SubcommandSpec | null }> {
  const subs = spec.subcommands ?? [];
  if (subs.length === 0) {
    if (subcommand) return fail(`/${spec.name} has no subcommand "${subcommand}"`);
    return ok({ options: spec.options ?? [], sub: null });
  }
  if (!subcommand) return fail(`/${spec.name} needs a subcommand: ${subs.map((s) => s.name).join(', ')}`);
  const sub = subs.find((s) => s.name === subcommand);
  if (!sub) return fail(`/${spec.name} has no subcommand "${subcommand}" (subcommands: ${subs.map((s) => s.name).join(', ')})`);
  return ok({ options: sub.options ?? [], sub });
}

/** Checks raw values (Discord's typed ones, or the console's text) and converts them to the spec's types. */
export function validateOptions(specs: readonly OptionSpec[], raw: Readonly<Record<string, unknown>>, where: string): Result<Map<string, OptionValue>> {
  const values = new Map<string, OptionValue>();
  for (const name of Object.keys(raw)) {
    if (!specs.some((s) => s.name === name)) {
      const known = specs.map((s) => s.name);
      return fail(`${where} has no option "${name}"${known.length ? ` (options: ${known.join(', ')})` : ' (it takes no options)'}`);
    }
  }
  for (const spec of specs) {
    const value = raw[spec.name];
    const absent = value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
    if (absent) {
      if (spec.required) return fail(`option "${spec.name}" is required (${spec.description})`);
      continue;
    }
    const checked = checkValue(spec, value);
    if (!checked.ok) return checked;
    values.set(spec.name, checked.value);
  }
  return ok(values);
}

function checkValue(spec: OptionSpec, value: unknown): Result<OptionValue> {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value) : String(value);
  let converted: OptionValue;
  switch (spec.type) {
    case 'string': {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return fail(`option "${spec.name}" must be text`);
      converted = typeof value === 'string' ? value.trim() : String(value);
      const max = spec.maxLength ?? STRING_MAX;
      if (converted.length > max) return fail(`option "${spec.name}" is ${converted.length} characters long; at most ${max} allowed`);
      break;
    }
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && PLAIN_INTEGER.test(value.trim()) ? Number(value.trim()) : NaN;
      if (!Number.isSafeInteger(n)) return fail(`option "${spec.name}" must be a whole number${rangeText(spec)} (got ${shown})`);
      converted = n;
      break;
    }
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? (parsePlainNumber(value) ?? NaN) : NaN;
      if (!Number.isFinite(n))
        return fail(`option "${spec.name}" must be a number in plain decimal notation${rangeText(spec)}, such as 12 or 0.5 (got ${shown})`);
      converted = n;
      break;
    }
    case 'boolean': {
      if (typeof value === 'boolean') converted = value;
      else if (typeof value === 'string' && TRUE.has(value.trim().toLowerCase())) converted = true;
      else if (typeof value === 'string' && FALSE.has(value.trim().toLowerCase())) converted = false;
      else return fail(`option "${spec.name}" must be true or false (got ${shown})`);
      break;
    }
  }
  if (typeof converted === 'number' && ((spec.min !== undefined && converted < spec.min) || (spec.max !== undefined && converted > spec.max))) {
    return fail(`option "${spec.name}" must be${rangeText(spec)} (got ${converted})`);
  }
  if (spec.choices && spec.choices.length > 0) {
    const match = spec.choices.find(
      (c) =>
        c.value === converted ||
        (typeof converted === 'string' && (String(c.value).toLowerCase() === converted.toLowerCase() || c.name.toLowerCase() === converted.toLowerCase())),
    );
    if (!match) return fail(`option "${spec.name}" must be one of ${spec.choices.map((c) => String(c.value)).join(', ')} (got ${shown})`);
    converted = match.value;
  }
  return ok(converted);
}

function rangeText(spec: OptionSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return ` of at least ${spec.min}`;
  if (spec.max !== undefined) return ` of at most ${spec.max}`;
  return '';
}

/** Checked values as the command reads them; a getter of the wrong type reads null. */
export function optionValues(values: ReadonlyMap<string, OptionValue>): OptionValues {
  const get = <T extends OptionValue>(name: string, is: (v: OptionValue) => v is T): T | null => {
    const v = values.get(name);
    return v !== undefined && is(v) ? v : null;
  };
  return {
    string: (name) => get(name, (v): v is string => typeof v === 'string'),
    integer: (name) => get(name, (v): v is number => typeof v === 'number' && Number.isInteger(v)),
    number: (name) => get(name, (v): v is number => typeof v === 'number'),
    boolean: (name) => get(name, (v): v is boolean => typeof v === 'boolean'),
  };
}

/** A `params` option's JSON text as an object (absent: undefined), or why it is not one. */
export function paramsOption(text: string | null): Result<Record<string, unknown> | undefined> {
  if (!text) return ok(undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(`params must be JSON, such as {"fast": 12}; got ${text}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail(`params must be a JSON object, such as {"fast": 12}; got ${text}`);
  return ok(parsed as Record<string, unknown>);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The optional `from` / `to` day options (YYYY-MM-DD, UTC), or why one of them is not a day. */
export function dayRangeOption(options: OptionValues): Result<{ from?: string; to?: string }> {
  const from = options.string('from');
  const to = options.string('to');
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (value && !DAY.test(value)) return fail(`option "${name}" must be a date like 2024-01-31 (got ${value})`);
  }
  return ok({ ...(from ? { from } : {}), ...(to ? { to } : {}) });
}

/**
 * A long command's progress, edited at most every `step` of the way (Discord rate-limits edits),
 * at the end, and whenever `news` (a back end's word) changes. `shown`: the fraction already shown.
 */
export function throttledProgress(
  progress: (text: string) => Promise<void>,
  options: { readonly step?: number; readonly shown?: number } = {},
): (fraction: number, text: string, news?: string | null) => void {
  const step = options.step ?? 0.1;
  let shown = options.shown ?? Number.NEGATIVE_INFINITY;
  let lastNews: string | null = null;
  return (fraction, text, news = null) => {
    if (fraction - shown < step && fraction < 1 && news === lastNews) return;
    shown = fraction;
    lastNews = news;
    void progress(text);
  };
}
