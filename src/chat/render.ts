// Small helpers commands share to build replies: monospace tables, signed amounts, the tone of
// a PnL, refusals. Presentation only: the numbers come from the services.
import { formatPnl, formatQuote, formatTime } from '../core/format.ts';
import type { Reply } from './command.ts';
import type { ChatServices } from './services.ts';

/** Embed colours per tone (the Discord transport uses them; the console ignores them). */
export const TONE_COLORS = { good: 0x2e7d32, bad: 0xc62828, warn: 0xf9a825, info: 0x1565c0 } as const;

/** A monospace table: columns padded, numbers (and signed amounts) right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => cells.length > 0 && cells.every((r) => /^[-+−]?[\d.,]+%?$|^—$/.test(r[i] ?? '')));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** A PnL or a change: "+1,234.30" / "-4.00" / "0.00" (core/format.ts). */
export function signed(value: number | string, decimals = 2): string {
  return formatPnl(value, decimals);
}

/** A quote amount (equity, capital, exposure, fees): to cents, with a thousands separator. */
export function money(value: number | string): string {
  return formatQuote(value);
}

/** A ratio or a percentage to `decimals` places (not money: no separator). */
export function fixed(value: number | string, decimals = 2): string {
  const n = typeof value === 'string' ? Number(value) : value;
  return Number.isFinite(n) ? n.toFixed(decimals) : String(value);
}

/** Green for a gain, red for a loss, blue for flat. */
export function pnlTone(value: number | string): Reply['tone'] {
  const n = typeof value === 'string' ? Number(value) : value;
  return n > 0 ? 'good' : n < 0 ? 'bad' : 'info';
}

/** The desk's time zone (the config's console.timezone), in which replies show times. */
export function deskTimeZone(services: ChatServices): string {
  // A desk built by hand (tests, tools) may have a config without the console block.
  return services.desk.desk.config.console?.timezone ?? 'UTC';
}

/** "2024-03-01 14:05 UTC", or in another time zone: "2024-03-01 15:05 CET". */
export function utc(ms: number, timeZone = 'UTC'): string {
  return formatTime(ms, timeZone);
}

/** One risk-gate event as a line: "<time> UTC <crew> [<rule>] <reason>", "*" for the whole desk. */
export function riskEventLine(e: { readonly at: number; readonly crewId: string | null; readonly rule: string; readonly reason: string }): string {
  return `${utc(e.at)} ${e.crewId ?? 'all crews'} [${e.rule}] ${e.reason}`;
}

/** A refusal or an error a service returned, as a private red reply (kept as written: it may start with a name). */
export function refused(text: string, title?: string): Reply {
  return { ...(title ? { title } : {}), text, tone: 'bad', ephemeral: true, refused: true };
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "1 order" / "2 orders". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
