// Crew modules as a model might draft them: one good one, and ones each check or the sandbox
// must refuse. Written as they would sit in crews/forged/.

export const GOOD_NAME = 'ema-rsi-dip';

export const GOOD_DRAFT = `// Buys an RSI bounce while the close is above its EMA; sells on an overbought RSI.
import { EMA, RSI } from 'trading-signals';
import { z } from 'zod';
import { HOLD } from '../../src/core/domain.ts';
import { defineCrew } from '../../src/crew/template.ts';

const params = z.object({
  trend: z.number().int().min(5).max(400).default(50).describe('EMA length of the trend filter.'),
  period: z.number().int().min(2).max(50).default(14).describe('RSI length.'),
  oversold: z.number().min(5).max(49).default(45).describe('Buy when the RSI rises through this.'),
  overbought: z.number().min(51).max(95).default(70).describe('Sell when the RSI reaches this.'),
});

export default defineCrew({
  name: 'ema-rsi-dip',
  description: 'Buys an RSI bounce above the EMA trend, sells when the RSI is overbought.',
  params,
  indicators: (p) => ({ ema: new EMA(p.trend), rsi: new RSI(p.period), prev: null as number | null }),
  warmup: (p) => Math.max(p.trend, p.period + 2),
  onCandle: ({ candle, params: p, indicators: ind, position }) => {
    const ema = ind.ema.add(candle.close);
    const rsi = ind.rsi.add(candle.close);
    const prev = ind.prev;
    ind.prev = rsi;
    if (ema === null || rsi === null || prev === null) return HOLD;
    if (!position.isLong && candle.close > ema && prev < p.oversold && rsi >= p.oversold) {
      return { action: 'buy', size: 1, reason: 'RSI bounce ' + rsi.toFixed(1) + ' above EMA ' + ema.toFixed(2) };
    }
    if (position.isLong && (rsi >= p.overbought || candle.close < ema)) return { action: 'sell', size: 1, reason: 'RSI ' + rsi.toFixed(1) + ' or close below EMA' };
    return HOLD;
  },
});
`;

/** The good draft with one line replaced (the first occurrence of `from`). */
export function variant(from: string, to: string, name = GOOD_NAME): string {
  if (!GOOD_DRAFT.includes(from)) throw new Error(`fixture: "${from}" not in the good draft`);
  return GOOD_DRAFT.replace(from, to).replace(`name: '${GOOD_NAME}'`, `name: '${name}'`);
}

/** A body for onCandle, placed before its first line. */
export function withOnCandle(code: string): string {
  return variant('const ema = ind.ema.add(candle.close);', `${code}\n    const ema = ind.ema.add(candle.close);`);
}

/** The good draft with a statement at the top level, after the imports. */
export function withTopLevel(code: string): string {
  return variant('const params = z.object({', `${code}\nconst params = z.object({`);
}

export function withImport(line: string): string {
  return variant("import { z } from 'zod';", `import { z } from 'zod';\n${line}`);
}

/** A type error: `size` as a string where Advice wants a number. */
export const TYPE_ERROR_DRAFT = variant("return { action: 'buy', size: 1,", "return { action: 'buy', size: '1',");
