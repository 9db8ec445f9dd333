// What an option's autocomplete offers, from the desk as it is now. Pure: no transport, no
// ownership check (the dispatcher does that before calling). At most 25 choices, those starting
// with what was typed first.
import { INTERVALS } from '../core/domain.ts';
import type { AutocompleteChoice, AutocompleteSource } from './command.ts';
import { fitChoices } from './limits.ts';
import type { ChatServices } from './services.ts';

export interface AutocompleteContext {
  /** The other options typed so far (the crew whose params /crew set should offer). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** Symbols offered besides those the crews trade (any symbol can still be typed). */
export const COMMON_SYMBOLS = [
  'BTCUSDT',
  'ETHUSDT',
  'BNBUSDT',
  'SOLUSDT',
  'XRPUSDT',
  'ADAUSDT',
  'DOGEUSDT',
  'AVAXUSDT',
  'LINKUSDT',
  'DOTUSDT',
  'LTCUSDT',
  'TRXUSDT',
] as const;
const SYMBOL = /^[A-Z0-9]{5,20}$/;

export function autocomplete(source: AutocompleteSource, partial: string, services: ChatServices, context: AutocompleteContext = {}): AutocompleteChoice[] {
  return rank(candidates(source, partial, services, context), partial);
}

function candidates(source: AutocompleteSource, partial: string, services: ChatServices, context: AutocompleteContext): AutocompleteChoice[] {
  const desk = services.desk;
  switch (source) {
    case 'crew':
      return desk.crewList().map((c) => ({ name: `${c.id} · ${c.status} · ${c.symbol} ${c.interval} · ${c.module}`, value: c.id }));
    case 'module':
      return desk.crewModules().map((m) => ({ name: `${m.name} — ${m.description}`, value: m.name }));
    case 'symbol': {
      const symbols = new Set<string>(desk.crewList().map((c) => c.symbol));
      for (const s of COMMON_SYMBOLS) symbols.add(s);
      const typed = partial.trim().toUpperCase();
      const list = [...symbols].map((s) => ({ name: s, value: s }));
      return SYMBOL.test(typed) && !symbols.has(typed) ? [{ name: typed, value: typed }, ...list] : list;
    }
    case 'team':
      return desk.teamList().map((t) => ({ name: `${t.name} · capital ${t.capital}, allocated ${t.allocated}`, value: t.name }));
    case 'param': {
      const crew = context.options?.['crew'];
      if (typeof crew !== 'string' || crew === '') return [];
      const params = desk.crewParams(crew);
      if (!params.ok) return [];
      return params.value.bounds.map((b) => {
        const range = b.min !== undefined || b.max !== undefined ? `; ${b.min ?? '…'} … ${b.max ?? '…'}` : '';
        return { name: `${b.name} = ${JSON.stringify(params.value.values[b.name])}${range}`, value: b.name };
      });
    }
    case 'risk-limit':
      return Object.entries(desk.riskLimits()).map(([name, value]) => ({ name: `${name} (now ${value})`, value: name }));
    case 'interval':
      return INTERVALS.map((i) => ({ name: i, value: i }));
  }
}

/** Choices matching `partial` (in the value or the name), prefix matches of the value first, at most 25. */
function rank(choices: readonly AutocompleteChoice[], partial: string): AutocompleteChoice[] {
  const q = partial.trim().toLowerCase();
  const scored = choices
    .map((c, i) => {
      const value = c.value.toLowerCase();
      const score = q === '' ? 0 : value.startsWith(q) ? 0 : value.includes(q) ? 1 : c.name.toLowerCase().includes(q) ? 2 : -1;
      return { c, i, score };
    })
    .filter((s) => s.score >= 0)
    .sort((a, b) => a.score - b.score || a.i - b.i);
  return fitChoices(scored.map((s) => s.c));
}
