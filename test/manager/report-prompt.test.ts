// The report prompt grows with the number of crews, not with the number of trades (the numbers
// `npm run bench -- --only report-prompt` measures, here at a smaller scale and in characters).
import { describe, expect, it } from 'vitest';
import { promptFor } from '../../bench/report-prompt.ts';
import { loadPrompts } from '../../src/manager/prompts.ts';

const template = loadPrompts().report;

describe('the report prompt', () => {
  it('costs about the same with 10 or 2,000 trades per crew', () => {
    const few = promptFor(template, 10, 10).length;
    const many = promptFor(template, 10, 2_000).length;
    // Only the digits of the counts grow.
    expect(Math.abs(many - few)).toBeLessThan(10 * 40);
  });

  it('grows by one line per crew, well under 150 tokens (600 characters) each', () => {
    const ten = promptFor(template, 10, 100).length;
    const forty = promptFor(template, 40, 100).length;
    const perCrew = (forty - ten) / 30;
    expect(perCrew).toBeGreaterThan(100);
    expect(perCrew / 4).toBeLessThan(150);
  });
});
