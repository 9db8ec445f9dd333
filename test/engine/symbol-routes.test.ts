// The engine's routes: per symbol, its crews by interval, the finest interval (the one a simulated
// exchange matches on) and the last close, which outlives the symbol's crews.
import { expect, it } from 'vitest';
import type { Interval } from '../../src/core/domain.ts';
import { SymbolRoutes } from '../../src/engine/symbol-routes.ts';

const crew = (symbol: string, interval: Interval) => ({ symbol, interval });

it('routes crews by symbol and interval, matching on the finest interval', () => {
  const routes = new SymbolRoutes<ReturnType<typeof crew>>();
  const hourly = crew('BTCUSDT', '1h');
  const minute = crew('BTCUSDT', '1m');
  const other = crew('ETHUSDT', '5m');
  routes.add(hourly);
  routes.add(minute);
  routes.add(other);
  const btc = routes.get('BTCUSDT')!;
  expect(btc.crews).toEqual([hourly, minute]);
  expect(btc.byInterval.get('1m')).toEqual([minute]);
  expect(btc.matchMs).toBe(60_000);
  routes.remove(minute);
  expect(btc.matchMs).toBe(3_600_000);
  expect(btc.byInterval.has('1m')).toBe(false);
  expect(routes.get('ETHUSDT')!.matchMs).toBe(300_000);
});

it('knows no price before a candle, and keeps the last one when the crews are gone', () => {
  const routes = new SymbolRoutes<ReturnType<typeof crew>>();
  const only = crew('BTCUSDT', '1m');
  routes.add(only);
  expect(routes.lastPrice('BTCUSDT')).toBeUndefined();
  routes.get('BTCUSDT')!.lastPrice = 42_000.5;
  routes.remove(only);
  expect(routes.get('BTCUSDT')!.crews).toEqual([]);
  expect(Number.isNaN(routes.get('BTCUSDT')!.matchMs)).toBe(true);
  expect(routes.lastPrice('BTCUSDT')).toBe(42_000.5);
  expect(routes.lastPrice('ETHUSDT')).toBeUndefined();
});
