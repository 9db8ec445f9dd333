// The base crew template. A crew is a zod params schema (every number with a default and
// bounds) and a pure handler called on each closed candle that returns advice. It never
// talks to the exchange. Exits every crew shares — stop-loss, take-profit, trailing stop,
// maximum holding time — come from the template as params, off unless set.
import { z } from 'zod';
import type { Advice, Candle } from '../core/domain.ts';

/** The crew's own book, as floats for decisions (the exact book lives in the ledger). */
export interface CrewPositionView {
  /** Base quantity held (0 when flat). */
  readonly quantity: number;
  readonly isLong: boolean;
  readonly entryPrice: number | null;
  readonly entryTime: number | null;
}

export interface CrewLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface CrewContext<P, I> {
  /** The candle that just closed. There is no later candle to read: the crew sees time as it passes. */
  readonly candle: Candle;
  readonly params: Readonly<P>;
  /** What `indicators(params)` built, fed by the crew itself with `add()`. */
  readonly indicators: I;
  readonly position: CrewPositionView;
  /** Quote cash free for this crew. */
  readonly cash: number;
  /** Persisted across restarts (JSON-serialisable values only). */
  readonly state: Record<string, unknown>;
  readonly log: CrewLogger;
}

/** Params every crew gets from the template. 0 means off. */
export const exitParamsSchema = z.object({
  stopLossPct: z.number().min(0).max(50).default(0).describe('Sell when the price falls this % below the entry (0 = off).'),
  takeProfitPct: z.number().min(0).max(500).default(0).describe('Sell when the price rises this % above the entry (0 = off).'),
  trailingStopPct: z.number().min(0).max(50).default(0).describe('Sell when the price falls this % from its highest close since entry (0 = off).'),
  maxHoldingMinutes: z.number().int().min(0).max(525_600).default(0).describe('Sell a position held this long (0 = off).'),
});
export type ExitParams = z.infer<typeof exitParamsSchema>;

export type ParamsShape = z.ZodRawShape;

export interface CrewSpec<S extends ParamsShape, I> {
  /** Module name, kebab-case: how configs and commands refer to this crew. */
  readonly name: string;
  readonly description: string;
  /** The crew's own tunables. Each number needs a default and .min()/.max(): the bounds are what a person or the manager may set. */
  readonly params: z.ZodObject<S>;
  /** Builds the crew's indicators (trading-signals instances) for one instance. */
  readonly indicators: (params: z.infer<z.ZodObject<S>>) => I;
  /** Candles needed before advice means anything (the engine feeds this much history at start when it can). */
  readonly warmup: (params: z.infer<z.ZodObject<S>>) => number;
  readonly onCandle: (ctx: CrewContext<z.infer<z.ZodObject<S>>, I>) => Advice;
}

export const CREW_BRAND = Symbol.for('crewdesk.crew');

/** A crew definition as the loader and engine use it: the spec plus its full params schema (own + exits). */
export interface CrewDefinition<S extends ParamsShape = ParamsShape, I = unknown> extends CrewSpec<S, I> {
  readonly [CREW_BRAND]: true;
  /** Own params and the template's exit params, strict: unknown keys are errors. */
  readonly schema: z.ZodObject<ParamsShape>;
}

export type AnyCrewDefinition = CrewDefinition<ParamsShape, unknown>;

export function defineCrew<S extends ParamsShape, I>(spec: CrewSpec<S, I>): CrewDefinition<S, I> {
  const schema = spec.params.extend(exitParamsSchema.shape).strict() as unknown as z.ZodObject<ParamsShape>;
  return Object.freeze({ ...spec, schema, [CREW_BRAND]: true as const });
}

/** A typed definition (as a crew module exports it) seen as any crew. Params and indicators are
 * invariant in the handler's context, so TypeScript cannot widen them by itself; the runtime value
 * is unchanged, and the schema is what guarantees the params a crew receives. */
export function asAnyCrew<S extends ParamsShape, I>(definition: CrewDefinition<S, I>): AnyCrewDefinition {
  return definition as unknown as AnyCrewDefinition;
}

export function isCrewDefinition(value: unknown): value is AnyCrewDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CREW_BRAND] === true;
}

/** One tunable, as shown to people (/crew params) and to the manager. */
export interface ParamBound {
  readonly name: string;
  readonly type: 'integer' | 'number' | 'boolean' | 'string';
  readonly default: unknown;
  readonly min?: number;
  readonly max?: number;
  readonly options?: readonly string[];
  readonly description?: string;
}

export function describeParams(definition: AnyCrewDefinition): ParamBound[] {
  const json = z.toJSONSchema(definition.schema) as {
    properties?: Record<string, Record<string, unknown>>;
  };
  return Object.entries(json.properties ?? {}).map(([name, p]) => {
    const bound: ParamBound = {
      name,
      type: (p.type as ParamBound['type']) ?? 'string',
      default: p.default,
      ...(authoredBound(p.minimum) !== undefined ? { min: p.minimum as number } : {}),
      ...(authoredBound(p.maximum) !== undefined ? { max: p.maximum as number } : {}),
      ...(Array.isArray(p.enum) ? { options: p.enum as string[] } : {}),
      ...(typeof p.description === 'string' ? { description: p.description } : {}),
    };
    return bound;
  });
}

/**
 * A bound the crew's author wrote, or undefined. zod's `.int()` alone puts ±(2^53 − 1) (the safe
 * integer range) into the schema: that is a representation limit, not a bound, so it counts as none.
 */
function authoredBound(value: unknown): number | undefined {
  return typeof value === 'number' && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined;
}

/** Problems with a definition's schema: a number without a default or bounds is not tunable safely. */
export function schemaProblems(definition: AnyCrewDefinition): string[] {
  const problems: string[] = [];
  for (const p of describeParams(definition)) {
    if (p.default === undefined) problems.push(`param "${p.name}" has no default`);
    if (p.type === 'integer' || p.type === 'number') {
      if (p.min === undefined || p.max === undefined) problems.push(`param "${p.name}" needs .min() and .max() bounds`);
    }
  }
  return problems;
}

/** Validates params for a crew: defaults filled in, unknown keys and out-of-bounds values refused with the key named. */
export function parseParams(definition: AnyCrewDefinition, input: unknown): { ok: true; params: Record<string, unknown> } | { ok: false; error: string } {
  const result = definition.schema.safeParse(input ?? {});
  if (result.success) return { ok: true, params: result.data as Record<string, unknown> };
  return { ok: false, error: formatZodError(result.error) };
}

export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.join('.') : '(root)';
      if (issue.code === 'unrecognized_keys') {
        const keys = (issue as { keys: string[] }).keys;
        return `${path === '(root)' ? '' : `${path}: `}unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
      }
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
