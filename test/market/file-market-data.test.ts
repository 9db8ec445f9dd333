import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../src/core/domain.ts';
import { readCandles } from '../../src/market/csv-candles.ts';
import { FileMarketData, listCandleFiles } from '../../src/market/file-market-data.ts';
import type { CandleSubscription } from '../../src/ports/market-data.ts';
import { CANDLE_FILES, candleDir, candlePath } from '../data/candle-fixtures.ts';

const scratch = mkdtempSync(join(tmpdir(), 'crewdesk-fmd-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const BTC_1M: CandleSubscription = { symbol: 'BTCUSDT', interval: '1m' };
const BTC_1H: CandleSubscription = { symbol: 'BTCUSDT', interval: '1h' };

async function collect(iterable: AsyncIterable<Candle> | Iterable<Candle>): Promise<Candle[]> {
  const out: Candle[] = [];
  for await (const c of iterable) out.push(c);
  return out;
}

function expectTimeOrder(candles: readonly Candle[]): void {
  for (let i = 1; i < candles.length; i++) {
    const a = candles[i - 1]!;
    const b = candles[i]!;
    // Never an earlier close after a later one; at the same close, symbols in order.
    expect(a.closeTime < b.closeTime || (a.closeTime === b.closeTime && a.symbol <= b.symbol)).toBe(true);
  }
}

/**
 * A second symbol trading at the same minutes as BTCUSDT on 2021-01-03: the BTC rows with
 * prices divided by 40, written as ETHUSDT.
 */
function writeEthDay(dir: string): string {
  const [header, ...rows] = readFileSync(candlePath('btc1mDay'), 'utf8').trimEnd().split('\n');
  const eth = rows.map((line) => {
    const [t, ...rest] = line.split(',');
    const prices = rest.slice(0, 4).map((p) => (Number(p) / 40).toFixed(8));
    return [t, ...prices, rest[4]].join(',');
  });
  const file = join(dir, 'ETHUSDT-1m-2021-01-03.csv');
  writeFileSync(file, `${header}\n${eth.join('\n')}\n`);
  return file;
}

describe('FileMarketData', () => {
  it('merges two symbols trading at the same times in close-time order, then by symbol', async () => {
    const dir = join(scratch, 'two-symbols');
    mkdirSync(dir);
    copyFileSync(candlePath('btc1mDay'), join(dir, CANDLE_FILES.btc1mDay.name));
    writeEthDay(dir);
    const market = new FileMarketData({ paths: [dir] });
    const candles = await collect(market.candles([BTC_1M, { symbol: 'ETHUSDT', interval: '1m' }]));
    expect(candles).toHaveLength(2 * 1440);
    expectTimeOrder(candles);
    // Each minute: BTCUSDT then ETHUSDT.
    expect(candles.slice(0, 4).map((c) => `${c.symbol} ${new Date(c.openTime).toISOString().slice(11, 16)}`)).toEqual([
      'BTCUSDT 00:00',
      'ETHUSDT 00:00',
      'BTCUSDT 00:01',
      'ETHUSDT 00:01',
    ]);
  });

  it('merges the real symbols of ../shared/data/candles, each read whole and in time order', async () => {
    const market = new FileMarketData({ paths: [candleDir().dir] });
    const subscriptions: CandleSubscription[] = [BTC_1M, BTC_1H, { symbol: 'LTCUSDT', interval: '1m' }, { symbol: 'DASHUSDT', interval: '1m' }];
    const candles = await collect(market.candles(subscriptions));
    expectTimeOrder(candles);
    const count = (s: CandleSubscription): number => candles.filter((c) => c.symbol === s.symbol && c.interval === s.interval).length;
    expect(count(BTC_1M)).toBe(CANDLE_FILES.btc1mDay.rows + CANDLE_FILES.btc1mWeek.rows);
    expect(count(BTC_1H)).toBe(CANDLE_FILES.btc1h.rows);
    expect(count({ symbol: 'LTCUSDT', interval: '1m' })).toBe(CANDLE_FILES.ltc1m.rows);
    expect(count({ symbol: 'DASHUSDT', interval: '1m' })).toBe(CANDLE_FILES.dash1m.rows);
    // The hourly candle of 00:00 closes with the minute of 00:59: the minute comes first.
    const hour = candles.findIndex((c) => c.interval === '1h' && c.openTime === Date.UTC(2021, 0, 3));
    expect(candles[hour - 1]).toMatchObject({ interval: '1m', openTime: Date.UTC(2021, 0, 3, 0, 59) });
  });

  it('reads several files of one subscription in order and reports the gap between them', async () => {
    const market = new FileMarketData({ paths: [candlePath('btc1mWeek'), candlePath('btc1mDay')] });
    const candles = await collect(market.candles([BTC_1M]));
    expect(candles).toHaveLength(1440 + 10080);
    expectTimeOrder(candles);
    expect(market.gaps).toEqual([
      expect.objectContaining({
        file: candlePath('btc1mWeek'),
        line: 2, // the first row after the header
        from: Date.UTC(2021, 0, 4),
        to: Date.UTC(2021, 1, 19),
      }),
    ]);
  });

  it('reports gaps inside files too', async () => {
    const gaps: number[] = [];
    const market = new FileMarketData({ paths: [candlePath('btc1h')], onGap: (gap) => gaps.push(gap.from) });
    expect(await collect(market.candles([BTC_1H]))).toHaveLength(CANDLE_FILES.btc1h.rows);
    expect(gaps).toEqual([Date.UTC(2021, 1, 11, 4), Date.UTC(2021, 2, 6, 2)]);
  });

  it('keeps to [from, to) across files, opening only the files that hold it', async () => {
    const from = Date.UTC(2021, 1, 20);
    const to = Date.UTC(2021, 1, 21);
    const market = new FileMarketData({ paths: [candleDir().dir], from, to });
    const candles = await collect(market.candles([BTC_1M, BTC_1H]));
    expect(candles.filter((c) => c.interval === '1m')).toHaveLength(1440);
    expect(candles.filter((c) => c.interval === '1h')).toHaveLength(24);
    expect(candles.every((c) => c.openTime >= from && c.openTime < to)).toBe(true);
    expect(market.gaps).toEqual([]); // the gap before the February file is outside the range
  });

  it('equals reading the file directly when there is one subscription', async () => {
    const market = new FileMarketData({ paths: [candlePath('btc1h')] });
    expect(await collect(market.candles([BTC_1H]))).toEqual(await collect(readCandles(candlePath('btc1h'))));
  });

  it('reads the same candles synchronously, as a plain Iterable the engine runs without awaiting', () => {
    const subscriptions = [BTC_1M, BTC_1H, { symbol: 'LTCUSDT', interval: '1m' } as const];
    const sync = new FileMarketData({ paths: [candleDir().dir], synchronous: true });
    const source = sync.candles(subscriptions);
    expect(Symbol.iterator in source).toBe(true);
    const candles = [...(source as Iterable<Candle>)];
    expectTimeOrder(candles);
    expect(candles).toHaveLength(CANDLE_FILES.btc1mDay.rows + CANDLE_FILES.btc1mWeek.rows + CANDLE_FILES.btc1h.rows + CANDLE_FILES.ltc1m.rows);
    // Gaps are reported as the files are read (a stream reads ahead of the merge), so in any order.
    expect(sync.gaps.map((g) => g.from).sort((a, b) => a - b)).toEqual([Date.UTC(2021, 0, 4), Date.UTC(2021, 1, 11, 4), Date.UTC(2021, 2, 6, 2)]);
  });

  it('gives the same candles synchronously and asynchronously', async () => {
    const subscriptions = [BTC_1M, { symbol: 'ETHUSDT', interval: '1m' } as const];
    const dir = join(scratch, 'sync-async');
    mkdirSync(dir);
    copyFileSync(candlePath('btc1mDay'), join(dir, CANDLE_FILES.btc1mDay.name));
    writeEthDay(dir);
    const asyncCandles = await collect(new FileMarketData({ paths: [dir] }).candles(subscriptions));
    const syncCandles = [...(new FileMarketData({ paths: [dir], synchronous: true }).candles(subscriptions) as Iterable<Candle>)];
    expect(syncCandles).toEqual(asyncCandles);
  });

  it('stops when the signal is aborted', async () => {
    const market = new FileMarketData({ paths: [candleDir().dir] });
    const controller = new AbortController();
    let n = 0;
    for await (const _ of market.candles([BTC_1M], controller.signal)) {
      if (++n === 100) controller.abort();
    }
    expect(n).toBe(100);
  });

  it('gives warm-up history before a time, across files', async () => {
    const market = new FileMarketData({ paths: [candleDir().dir], from: Date.UTC(2021, 1, 19) });
    const history = await market.history(BTC_1M, 3, Date.UTC(2021, 1, 19, 0, 1));
    // Closed before 00:01: the February minute 00:00 and the last two minutes of the January file.
    expect(history.map((c) => c.openTime)).toEqual([Date.UTC(2021, 0, 3, 23, 58), Date.UTC(2021, 0, 3, 23, 59), Date.UTC(2021, 1, 19, 0, 0)]);
  });

  it('says which subscriptions it covers, and names what is missing', async () => {
    const market = await FileMarketData.open([candleDir().dir]);
    expect(market.covers(BTC_1H)).toBe(true);
    expect(market.covers({ symbol: 'SOLUSDT', interval: '1m' })).toBe(false);
    await expect(collect(market.candles([{ symbol: 'SOLUSDT', interval: '1m' }]))).rejects.toThrow(/no candle files for SOLUSDT 1m .*SOLUSDT-1m-2024-01\.csv/);
  });

  it('refuses two files holding the same candles', async () => {
    const dir = join(scratch, 'overlap');
    mkdirSync(dir);
    copyFileSync(candlePath('btc1h'), join(dir, 'BTCUSDT-1h-2021-Q1.csv'));
    copyFileSync(candlePath('btc1h'), join(dir, 'BTCUSDT-1h-2021-01.csv'));
    const market = new FileMarketData({ paths: [dir] });
    await expect(collect(market.candles([BTC_1H]))).rejects.toThrow(/overlaps .*keep only one of them/);
  });

  it('lists files by name, recursively, ignoring what is not a candle file', async () => {
    const dir = join(scratch, 'nested');
    mkdirSync(join(dir, 'BTCUSDT'), { recursive: true });
    copyFileSync(candlePath('btc1h'), join(dir, 'BTCUSDT', CANDLE_FILES.btc1h.name));
    writeFileSync(join(dir, 'notes.csv'), 'x\n');
    writeFileSync(join(dir, 'BTCUSDT-1m-2024-01.zip.part'), '');
    expect(await listCandleFiles([dir])).toEqual([{ file: join(dir, 'BTCUSDT', CANDLE_FILES.btc1h.name), symbol: 'BTCUSDT', interval: '1h' }]);
    await expect(listCandleFiles([join(dir, 'notes.csv')])).rejects.toThrow(/cannot tell the symbol and interval/);
    await expect(listCandleFiles([join(dir, 'absent')])).rejects.toThrow(/no such file or directory/);
  });
});
