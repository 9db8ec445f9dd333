// How much the console says, set in the config's `console:` block (checked by zod, unknown keys
// refused like everywhere else in the config):
//   quiet   — fills, halts, crews paused or resumed, rejected orders, errors;
//   normal  — also advice, orders and risk denials, repeats folded (the default);
//   verbose — every line, nothing folded.
// and the desk's time zone, in which the console shows times.
import { z } from 'zod';
import type { EngineEvent } from '../core/events.ts';
import { isTimeZone } from '../core/format.ts';

export const CONSOLE_LEVELS = ['quiet', 'normal', 'verbose'] as const;
export type ConsoleLevel = (typeof CONSOLE_LEVELS)[number];

export const consoleConfigSchema = z
  .object({
    level: z
      .enum(CONSOLE_LEVELS)
      .default('normal')
      .describe('quiet: fills, halts, pauses, rejections, errors; normal: also advice, orders, denials (repeats folded); verbose: everything, unfolded.'),
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'not a time zone: use an IANA name such as "Europe/Zurich" or "UTC"' })
      .default('UTC')
      .describe('The time zone the console shows times in.'),
    /** Market minutes within which a line of the same shape is counted, not printed again. */
    foldMinutes: z
      .number()
      .int()
      .min(1)
      .max(10_080)
      .default(24 * 60),
  })
  .strict();

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;

/** Whether a fact is worth a line at this level. */
export function shownAt(level: ConsoleLevel, event: EngineEvent): boolean {
  if (level !== 'quiet') return true;
  switch (event.type) {
    case 'fill':
    case 'halt':
    case 'crew.paused':
    case 'crew.resumed':
    case 'error':
      return true;
    case 'order.updated':
      return event.order.status === 'rejected';
    default:
      return false;
  }
}
