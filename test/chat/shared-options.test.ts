// What /backtest and /research share: the day range they read, and how often they edit their progress.
import { describe, expect, it } from 'vitest';
import { dayRangeOption, optionValues, throttledProgress } from '../../src/chat/options.ts';

describe('the day range of a command', () => {
  it('takes YYYY-MM-DD days or none, and names the option that is not one', () => {
    expect(dayRangeOption(optionValues(new Map([['from', '2024-01-01']])))).toEqual({ ok: true, value: { from: '2024-01-01' } });
    expect(dayRangeOption(optionValues(new Map()))).toEqual({ ok: true, value: {} });
    expect(dayRangeOption(optionValues(new Map([['to', '31.01.2024']])))).toEqual({
      ok: false,
      error: 'option "to" must be a date like 2024-01-31 (got 31.01.2024)',
    });
  });
});

describe('progress edits', () => {
  it('at most one every step, always the last, and again whenever the back end has news', () => {
    const shown: string[] = [];
    const show = throttledProgress(async (text) => void shown.push(text), { step: 0.25 });
    for (const f of [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6]) show(f, `${f}`);
    show(0.62, '0.62 redis gone', 'redis gone');
    show(0.63, '0.63 redis gone', 'redis gone');
    show(1, '1');
    expect(shown).toEqual(['0', '0.3', '0.55', '0.62 redis gone', '1']);
  });
});
