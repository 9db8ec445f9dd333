// What every crew in crews/ must do, whatever its idea: safe, documented params; advice that is
// well-formed and possible; nothing before its warmup; no state shared between instances.
// A new crew file gets these checks for free.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Advice, Candle } from '../../src/core/domain.ts';
import { CREWS_DIR, loadCrews } from '../../src/crew/loader.ts';
import { describeParams, type AnyCrewDefinition, type ParamBound } from '../../src/crew/template.ts';
import { CrewHarness, makeCandles, type CandleShape } from './crew-harness.ts';

let crews: Map<string, AnyCrewDefinition>;
beforeAll(async () => {
  const loaded = await loadCrews([CREWS_DIR]);
  expect(loaded.problems).toEqual([]);
  crews = loaded.crews;
});

function crew(name: string): AnyCrewDefinition {
  const found = crews.get(name);
  if (!found) throw new Error(`crew ${name} not loaded`);
  return found;
}

/** Own params as [name, type, default, min, max]: the part a person reads in /crew params. */
function ownBounds(definition: AnyCrewDefinition): [string, ParamBound['type'], unknown, number?, number?][] {
  return describeParams(definition)
    .filter((p) => !EXIT_PARAMS.includes(p.name))
    .map((p) => [p.name, p.type, p.default, p.min, p.max]);
}

const EXIT_PARAMS = ['stopLossPct', 'takeProfitPct', 'trailingStopPct', 'maxHoldingMinutes'];

describe('describeParams shows each crew’s defaults and bounds', () => {
  it('sma-cross', () => {
    expect(ownBounds(crew('sma-cross'))).toEqual([
      ['fast', 'integer', 10, 1, 200],
      ['slow', 'integer', 30, 2, 500],
      ['size', 'number', 1, 0.01, 1],
    ]);
  });

  it('rsi-reversion', () => {
    expect(ownBounds(crew('rsi-reversion'))).toEqual([
      ['period', 'integer', 14, 2, 100],
      ['oversold', 'number', 30, 1, 49],
      ['overbought', 'number', 70, 51, 99],
      ['size', 'number', 1, 0.01, 1],
    ]);
  });

  it('donchian-breakout', () => {
    expect(ownBounds(crew('donchian-breakout'))).toEqual([
      ['entryPeriod', 'integer', 20, 2, 500],
      ['exitPeriod', 'integer', 10, 2, 500],
      ['size', 'number', 1, 0.01, 1],
    ]);
  });

  it('dca', () => {
    expect(ownBounds(crew('dca'))).toEqual([
      ['everyCandles', 'integer', 24, 1, 10_000],
      ['size', 'number', 0.1, 0.01, 1],
      ['emaPeriod', 'integer', 0, 0, 500],
    ]);
  });

  it('every crew has a doc line on each param and the template’s exits, all off by default', () => {
    for (const definition of crews.values()) {
      const params = describeParams(definition);
      for (const p of params) expect(p.description, `${definition.name}.${p.name}`).toMatch(/\S/);
      expect(params.filter((p) => EXIT_PARAMS.includes(p.name)).map((p) => [p.name, p.default])).toEqual(EXIT_PARAMS.map((name) => [name, 0]));
    }
  });
});

/** A deterministic market with swings, trends and noise: enough to make every crew act. */
function syntheticSeries(length: number): CandleShape[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const shapes: CandleShape[] = [];
  let previous = 100;
  for (let i = 0; i < length; i++) {
    const close = 100 + 20 * Math.sin(i / 15) + 8 * Math.sin(i / 4) + i * 0.02 + (random() - 0.5) * 3;
    const wick = 0.5 + random();
    shapes.push({ open: previous, close, high: Math.max(previous, close) + wick, low: Math.min(previous, close) - wick });
    previous = close;
  }
  return shapes;
}

const CANDLES: Candle[] = makeCandles(syntheticSeries(600));

describe.each(['sma-cross', 'rsi-reversion', 'donchian-breakout', 'dca'])('contract: %s', (name) => {
  function run(definition: AnyCrewDefinition): { advice: Advice[]; wasLong: boolean[] } {
    const harness = new CrewHarness(definition);
    const wasLong: boolean[] = [];
    for (const candle of CANDLES) {
      wasLong.push(harness.position.isLong);
      harness.feed(candle);
    }
    return { advice: harness.advice, wasLong };
  }

  it('gives well-formed advice, sells only what it holds, and acts on this market', () => {
    const { advice, wasLong } = run(crew(name));
    advice.forEach((a, i) => {
      expect(['hold', 'buy', 'sell'], `candle ${i}`).toContain(a.action);
      if (a.action === 'hold') return;
      expect(a.size, `candle ${i}`).toBeGreaterThan(0);
      expect(a.size, `candle ${i}`).toBeLessThanOrEqual(1);
      expect(a.reason, `candle ${i}`).toMatch(/\S/);
      if (a.action === 'sell') expect(wasLong[i], `sell at candle ${i} while flat`).toBe(true);
    });
    expect(advice.some((a) => a.action === 'buy')).toBe(true);
  });

  it('says nothing before its warmup is complete', () => {
    const definition = crew(name);
    const harness = new CrewHarness(definition);
    const warmup = definition.warmup(harness.params);
    const { advice } = run(definition);
    const firstAction = advice.findIndex((a) => a.action !== 'hold');
    expect(firstAction).not.toBe(-1);
    expect(firstAction).toBeGreaterThanOrEqual(Math.max(0, warmup - 1));
  });

  it('keeps its state per instance: two instances fed in turn advise exactly like one alone', () => {
    const definition = crew(name);
    const alone = run(definition).advice;
    const a = new CrewHarness(definition);
    const b = new CrewHarness(definition);
    for (const candle of CANDLES) {
      a.feed(candle);
      b.feed(candle);
    }
    expect(a.advice).toEqual(alone);
    expect(b.advice).toEqual(alone);
  });

  it('does not throw with no cash', () => {
    const harness = new CrewHarness(crew(name), {}, { cash: 0, autoFill: false });
    expect(() => harness.feedAll(CANDLES)).not.toThrow();
  });
});
