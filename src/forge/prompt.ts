// The forge's messages to the model: prompts/forge.md filled with the template, the advice type,
// one example crew (its imports as written from crews/forged/), the indicators and the rules;
// then the idea — and, on a later attempt, the previous module with the checks' exact words.
// The idea and the model's earlier code are data inside tags, never instructions of ours.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALLOWED_IMPORTS, PROJECT_ROOT } from './checks.ts';

export const FORGE_PROMPT_FILE = join(PROJECT_ROOT, 'prompts', 'forge.md');

/** Momentum, trend and volatility indicators a crew is likely to want (all of trading-signals may be imported). */
const INDICATORS =
  'SMA, EMA, WMA, DEMA, TEMA, HMA, KAMA, RSI, StochasticRSI, StochasticOscillator, MACD, CCI, ROC, MOM, WilliamsR, ADX, DX, ATR, NATR, BollingerBands, BollingerBandsWidth, KeltnerChannels, DonchianChannels, SuperTrend, PSAR, OBV, MFI, VWAP, CMF, AO, TRIX, TSI, IchimokuCloud';
const GLOBALS =
  'Math, Number, String, Boolean, Array, Object (not its reflective members), JSON, Date (not Date.now), Map, Set, Infinity, NaN, isFinite, isNaN, parseFloat, parseInt, Error';

export interface ForgeMessage {
  readonly role: 'system' | 'user';
  readonly content: string;
}

export interface PromptInput {
  readonly idea: string;
  readonly takenNames: readonly string[];
  /** An existing crew to start from: its name and source. */
  readonly base?: { readonly name: string; readonly source: string } | undefined;
  /** The previous attempt and why it was refused. */
  readonly previous?: { readonly fileName: string; readonly source: string; readonly problems: string } | undefined;
  /** The owner's feedback on an earlier draft (/forge revise). */
  readonly feedback?: string | undefined;
}

export function forgeMessages(input: PromptInput, promptFile = FORGE_PROMPT_FILE): ForgeMessage[] {
  const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
  const system = fill(readFileSync(promptFile, 'utf8'), {
    allowed_imports: ALLOWED_IMPORTS.map((s) => `\`${s}\``).join(', '),
    allowed_globals: GLOBALS,
    taken_names: input.takenNames.join(', ') || '(none)',
    indicators: INDICATORS,
    template: read('src/crew/template.ts'),
    advice: adviceType(read('src/core/domain.ts')),
    example: read('crews/rsi-reversion.ts').replaceAll("'../src/", "'../../src/"),
  });
  const parts = [`<idea>\n${input.idea}\n</idea>`];
  if (input.base)
    parts.push(`Start from the existing crew "${input.base.name}" (give the new module a new name):\n<base_crew>\n${input.base.source}\n</base_crew>`);
  if (input.feedback) parts.push(`The owner's feedback on the earlier draft:\n<feedback>\n${input.feedback}\n</feedback>`);
  if (input.previous) {
    parts.push(
      `Your previous module ${input.previous.fileName} was refused:\n<problems>\n${input.previous.problems}\n</problems>\n<previous_module>\n${input.previous.source}\n</previous_module>\nFix every problem and submit the whole module again.`,
    );
  }
  return [
    { role: 'system', content: system },
    { role: 'user', content: parts.join('\n\n') },
  ];
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${FORGE_PROMPT_FILE}: unknown placeholder {{${key}}}`);
    return value;
  });
}

function adviceType(domain: string): string {
  const start = domain.indexOf('export type Advice');
  const end = domain.indexOf('export const HOLD');
  return start >= 0 && end > start ? `${domain.slice(start, end)}export const HOLD: Advice;` : 'export type Advice = …';
}
