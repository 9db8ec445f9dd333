// The manager's prompts: templates in prompts/ (loaded and checked at start), filled with the
// crew catalogue, each module's bounds, the hard limits and the desk's figures. Text that comes
// from outside — chat messages, crew names and reasons, market data, tool results — goes into a
// tagged block with angle brackets neutralised, so it can never close its block and pose as
// instructions. The prompts say what those blocks are; the code enforces the limits regardless.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { exitParamsSchema, type ParamBound } from '../crew/template.ts';
import { type RiskLimits, riskLimitsSchema } from '../risk/limits.ts';
import type { CrewMetrics, DeskMetrics, OverallMetrics, TeamMetrics, WindowStats } from './metrics.ts';

export const PROMPTS_DIR = fileURLToPath(new URL('../../prompts/', import.meta.url));

/** Each template, with the placeholders it must use; a template using any other is an error. */
const TEMPLATES = {
  manager: { file: 'manager.md', placeholders: ['autonomy', 'autonomy_rules', 'crew_catalogue', 'exit_params', 'teams', 'hard_limits', 'manager_limits'] },
  evaluation: { file: 'evaluation.md', placeholders: ['now', 'window', 'max_actions', 'metrics'] },
  report: { file: 'report.md', placeholders: ['day', 'report_data'] },
} as const;

export type TemplateName = keyof typeof TEMPLATES;
export type Prompts = Readonly<Record<TemplateName, string>>;

export class PromptError extends Error {
  override readonly name = 'PromptError';
}

/** Reads and checks the templates: a missing file or a wrong placeholder stops the start, not a 3 a.m. report. */
export function loadPrompts(dir: string = PROMPTS_DIR): Prompts {
  const out: Partial<Record<TemplateName, string>> = {};
  for (const [name, spec] of Object.entries(TEMPLATES) as [TemplateName, (typeof TEMPLATES)[TemplateName]][]) {
    const file = join(dir, spec.file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new PromptError(`prompt ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    const used = new Set([...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!));
    const allowed = new Set<string>(spec.placeholders);
    const unknown = [...used].filter((p) => !allowed.has(p));
    if (unknown.length)
      throw new PromptError(
        `prompt ${file} uses unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `{{${p}}}`).join(', ')} (known: ${spec.placeholders.join(', ')})`,
      );
    const missing = spec.placeholders.filter((p) => !used.has(p));
    if (missing.length) throw new PromptError(`prompt ${file} lacks ${missing.map((p) => `{{${p}}}`).join(', ')}`);
    out[name] = text;
  }
  return out as Prompts;
}

export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Text from outside, as data: angle brackets neutralised so nothing inside can end the block. */
export function neutralize(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›');
}

export function dataBlock(tag: string, body: string): string {
  return `<${tag}>\n${neutralize(body)}\n</${tag}>`;
}

/** A tool's answer: compact JSON inside a <tool_data> block. */
export function toolData(value: unknown): string {
  return dataBlock('tool_data', JSON.stringify(value));
}

// ── What fills the manager's system prompt ──

export interface CatalogueEntry {
  readonly name: string;
  readonly description: string;
  readonly bounds: readonly ParamBound[];
}

const EXIT_PARAMS = new Set(Object.keys(exitParamsSchema.shape));

export function crewCatalogue(modules: readonly CatalogueEntry[]): string {
  return modules
    .map((m) => {
      const own = m.bounds.filter((b) => !EXIT_PARAMS.has(b.name));
      return `- ${m.name}: ${m.description}\n  params: ${own.length ? own.map(boundText).join('; ') : 'none'}`;
    })
    .join('\n');
}

/** The exit params every crew gets from the template, with their bounds. */
export function exitParamsText(): string {
  const json = z.toJSONSchema(exitParamsSchema) as { properties?: Record<string, Record<string, unknown>> };
  return Object.entries(json.properties ?? {})
    .map(([name, p]) =>
      boundText({
        name,
        type: (p.type as ParamBound['type']) ?? 'number',
        default: p.default,
        ...(typeof p.minimum === 'number' ? { min: p.minimum } : {}),
        ...(typeof p.maximum === 'number' ? { max: p.maximum } : {}),
        ...(typeof p.description === 'string' ? { description: p.description } : {}),
      }),
    )
    .join('; ');
}

function boundText(b: ParamBound): string {
  const range = b.min !== undefined || b.max !== undefined ? ` ${b.min ?? '…'}–${b.max ?? '…'}` : '';
  const options = b.options ? ` one of ${b.options.join('|')}` : '';
  return `${b.name} (${b.type}${range}${options}, default ${JSON.stringify(b.default)})${b.description ? `: ${b.description}` : ''}`;
}

const LIMIT_DOCS = (z.toJSONSchema(riskLimitsSchema) as { properties?: Record<string, { description?: string }> }).properties ?? {};

export function hardLimitsText(limits: RiskLimits): string {
  return Object.entries(limits)
    .map(([name, value]) => `- ${name} = ${value}${LIMIT_DOCS[name]?.description ? `: ${LIMIT_DOCS[name]!.description}` : ''}`)
    .join('\n');
}

export function teamsText(
  teams: readonly { name: string; capital: string; allocated: string }[],
  crews: readonly { id: string; team: string; module: string; symbol: string; interval: string; status: string; capital: string }[],
): string {
  const body = teams
    .map((t) => {
      const members = crews.filter((c) => c.team === t.name);
      const lines = members.map((c) => `  - ${c.id}: ${c.module} ${c.symbol} ${c.interval}, ${c.status}, capital ${c.capital}`);
      return [`- team ${t.name}: capital ${t.capital}, allocated ${t.allocated}`, ...lines].join('\n');
    })
    .join('\n');
  // Crew ids come from configs, the owner and the manager: data, like everything from outside.
  return dataBlock('desk_data', body);
}

// ── Figures, compact: one line per crew, whatever the number of trades ──

export function signed(x: number): string {
  const r = Math.round(x * 100) / 100;
  return r > 0 ? `+${r}` : `${r}`;
}

function stats(s: WindowStats): string {
  if (s.fills === 0) return `${s.window}: no fills`;
  const win = s.winRatePct === null ? 'no closed trips' : `win ${s.winRatePct}%`;
  return `${s.window}: ${s.fills} fills, ${s.roundTrips} trips, ${win}, trips pnl ${signed(s.roundTripPnl)}, fees ${s.fees}`;
}

export function crewLine(c: CrewMetrics): string {
  const params = Object.entries(c.changedParams)
    .slice(0, 6)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v.slice(0, 20) : JSON.stringify(v)}`)
    .join(' ');
  const why = c.status !== 'active' && c.statusReason ? ` (${c.statusReason.slice(0, 100)})` : '';
  return `${c.id} [${c.team}] ${c.module} ${c.symbol} ${c.interval} ${c.status}${why} | cap ${c.capital} eq ${c.equity} pnl ${signed(c.pnl)} (${signed(c.pnlPct)}%) dd ${c.drawdownPct}% exp ${c.exposurePct}% | ${stats(c.recent)}${params ? ` | params ${params}` : ''}`;
}

export function teamLine(t: TeamMetrics): string {
  return `team ${t.name}: capital ${t.capital}, allocated ${t.allocated}, eq ${t.equity}, pnl ${signed(t.pnl)} (${signed(t.pnlPct)}%), exp ${t.exposurePct}%, ${t.activeCrews}/${t.crews} crews active | ${stats(t.recent)}`;
}

export function overallLine(o: OverallMetrics): string {
  const halt = o.halt.level === 'none' ? 'not halted' : `HALTED (${o.halt.level}: ${o.halt.reason.slice(0, 100)})`;
  return `overall: mode ${o.mode}, ${halt}, eq ${o.equity} on capital ${o.capital}, pnl ${signed(o.pnl)} (${signed(o.pnlPct)}%), today ${signed(o.todayPnl)}, exposure ${o.exposure} (${o.exposurePct}%), dd ${o.drawdownPct ?? 'n/a'}%, ${o.openOrders} open orders, ${o.activeCrews}/${o.crews} crews active | ${stats(o.recent)}`;
}

export function metricsText(m: DeskMetrics): string {
  return [overallLine(m.overall), ...m.teams.map(teamLine), ...m.crews.map(crewLine)].join('\n');
}
