import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../src/core/domain.ts';
import type { CandleGap } from '../../src/market/csv-candles.ts';
import { CandleFileError, candleFileName, readCandles, readCandlesSync, summarizeCandleFile } from '../../src/market/csv-candles.ts';
import { CANDLE_FILES, KNOWN_GAPS, candleDir, candlePath } from '../data/candle-fixtures.ts';

const scratch = mkdtempSync(join(tmpdir(), 'crewdesk-csv-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function collect(iterable: AsyncIterable<Candle>): Promise<Candle[]> {
  const out: Candle[] = [];
  for await (const c of iterable) out.push(c);
  return out;
}

function write(name: string, text: string): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

/** The error a read throws, to look at its file and line. */
async function readError(file: string): Promise<CandleFileError> {
  try {
    await collect(readCandles(file));
  } catch (error) {
    if (error instanceof CandleFileError) return error;
    throw error;
  }
  throw new Error(`${file} was read without an error`);
}

describe('reading the candle files of ../shared/data/candles', () => {
  it.each(Object.values(CANDLE_FILES).map((spec) => [spec.name, spec] as const))('%s: every row, in order, as the README lists it', async (_name, spec) => {
    const reader = readCandles(join(candleDir().dir, spec.name));
    const candles = await collect(reader);
    expect(candles).toHaveLength(spec.rows);
    expect(reader.summary).toMatchObject({ format: spec.format, rows: spec.rows, candles: spec.rows });
    expect(candles[0]!.openTime).toBe(spec.first);
    expect(candles.at(-1)!.openTime).toBe(spec.last);
    // Symbol and interval come from the file name; the close time is Binance's openTime + interval − 1.
    const step = spec.interval === '1h' ? 3_600_000 : 60_000;
    for (const c of candles) {
      expect(c.symbol).toBe(spec.symbol);
      expect(c.interval).toBe(spec.interval);
      expect(c.closeTime).toBe(c.openTime + step - 1);
    }
  });

  it('parses prices exactly as Number() reads the text', async () => {
    const file = candlePath('btc1h');
    const [first] = readFileSync(file, 'utf8').split('\n');
    const fields = first!.split(',').map(Number);
    const [candle] = await collect(readCandles(file, { to: CANDLE_FILES.btc1h.first + 1 }));
    expect(candle).toEqual({
      symbol: 'BTCUSDT',
      interval: '1h',
      openTime: fields[0],
      closeTime: fields[6],
      open: fields[1],
      high: fields[2],
      low: fields[3],
      close: fields[4],
      volume: fields[5],
    });
  });

  it('reports the two maintenance gaps of BTCUSDT-1h-2021-Q1 (after 2021-02-11 03:00 and 2021-03-06 01:00), never filling them', async () => {
    const seen: CandleGap[] = [];
    const reader = readCandles(candlePath('btc1h'), { onGap: (gap) => seen.push(gap) });
    const candles = await collect(reader);
    expect(seen).toEqual(reader.summary.gaps);
    expect(seen.map((g) => ({ from: g.from, to: g.to, missing: g.missing }))).toEqual(
      KNOWN_GAPS.map((g) => ({ from: g.after + 3_600_000, to: g.resume, missing: 1 })),
    );
    for (const gap of seen) {
      expect(gap.file).toBe(candlePath('btc1h'));
      // The line is the row that resumes the series.
      const resumed = readFileSync(candlePath('btc1h'), 'utf8').split('\n')[gap.line - 1]!;
      expect(Number(resumed.split(',')[0])).toBe(gap.to);
    }
    // 90 days of hours minus the two missing ones: nothing was invented.
    expect(candles).toHaveLength(90 * 24 - 2);
  });

  it('reads a file with open times in microseconds (data.binance.vision from 2025 on) identically', async () => {
    const lines = readFileSync(candlePath('btc1h'), 'utf8').trimEnd().split('\n');
    const micro = lines.map((line) => {
      const f = line.split(',');
      return [`${f[0]}000`, ...f.slice(1, 6), `${f[6]}999`, ...f.slice(7)].join(',');
    });
    const microFile = write('BTCUSDT-1h-micro.csv', `${micro.join('\n')}\n`);
    // A file crossing 2025-01-01 switches unit mid-file: detected per row.
    const mixedFile = write('BTCUSDT-1h-mixed.csv', `${[...lines.slice(0, 1000), ...micro.slice(1000)].join('\n')}\n`);
    const expected = await collect(readCandles(candlePath('btc1h')));
    const microReader = readCandles(microFile);
    expect(await collect(microReader)).toEqual(expected);
    expect(microReader.summary.microsecondRows).toBe(expected.length);
    expect(await collect(readCandles(mixedFile))).toEqual(expected);
  });

  it('skips the header some published Binance files carry, and reads CRLF line ends and rows cut across reads', async () => {
    const text = readFileSync(candlePath('btc1h'), 'utf8');
    const header = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n';
    const withHeader = write('BTCUSDT-1h-header.csv', header + text);
    const crlf = write('BTCUSDT-1h-crlf.csv', (header + text).replace(/\n/g, '\r\n'));
    const expected = await collect(readCandles(candlePath('btc1h')));
    expect(await collect(readCandles(withHeader))).toEqual(expected);
    expect(await collect(readCandles(crlf))).toEqual(expected);
    // Reads shorter than a row cut every row in two somewhere, some between CR and LF.
    expect(await collect(readCandles(crlf, { chunkBytes: 61 }))).toEqual(expected);
    expect(await collect(readCandles(crlf, { chunkBytes: 3, to: Date.UTC(2021, 0, 2) }))).toEqual(expected.slice(0, 24));
    const ohlcv = await collect(readCandles(candlePath('btc1mDay')));
    expect(await collect(readCandles(candlePath('btc1mDay'), { chunkBytes: 13 }))).toEqual(ohlcv);
  });

  it('reads the same synchronously, its one buffer reused across reads', async () => {
    for (const key of ['btc1h', 'btc1mWeek'] as const) {
      const expected = await collect(readCandles(candlePath(key)));
      expect([...readCandlesSync(candlePath(key))]).toEqual(expected);
      expect([...readCandlesSync(candlePath(key), { chunkBytes: 61 })]).toEqual(expected);
    }
    const reader = readCandlesSync(candlePath('btc1h'));
    for (const batch of reader.batches()) void batch;
    expect(reader.summary.gaps).toHaveLength(2);
  });

  it('reads only [from, to) and stops at `to`', async () => {
    const from = Date.UTC(2021, 1, 1);
    const to = Date.UTC(2021, 2, 1);
    const reader = readCandles(candlePath('btc1h'), { from, to });
    const february = await collect(reader);
    expect(february[0]!.openTime).toBe(from);
    expect(february.at(-1)!.openTime).toBe(to - 3_600_000);
    expect(february).toHaveLength(28 * 24 - 1); // the 2021-02-11 gap
    expect(reader.summary.gaps).toHaveLength(1);
    // Rows after `to` are not read at all.
    expect(reader.summary.rows).toBeLessThan(CANDLE_FILES.btc1h.rows);
  });

  it('takes symbol and interval from the file name, or from the options, and refuses a name that says neither', async () => {
    expect(candleFileName('data/BTCUSDT-1h-2021-Q1.csv')).toEqual({ symbol: 'BTCUSDT', interval: '1h' });
    expect(candleFileName('BTCUSDT-1m-2024-01-05.csv')).toEqual({ symbol: 'BTCUSDT', interval: '1m' });
    expect(candleFileName('prices.csv')).toBeNull();
    const anonymous = write('prices.csv', readFileSync(candlePath('btc1mDay'), 'utf8'));
    expect(() => readCandles(anonymous)).toThrow(/cannot tell the symbol .* BTCUSDT-1h-2021-Q1\.csv/);
    const candles = await collect(readCandles(anonymous, { symbol: 'BTCUSDT', interval: '1m' }));
    expect(candles).toHaveLength(1440);
  });

  it('summarizes a file without keeping its candles', async () => {
    const summary = await summarizeCandleFile(candlePath('btc1h'));
    expect(summary).toMatchObject({
      format: 'binance',
      hasHeader: false,
      rows: 2158,
      firstOpenTime: CANDLE_FILES.btc1h.first,
      lastOpenTime: CANDLE_FILES.btc1h.last,
    });
    expect(summary.gaps).toHaveLength(2);
  });
});

describe('malformed files are errors naming the file and the line', () => {
  const good = [
    '1609459200000,28923.63,29031.34,28690.17,28995.13,2311.811445,1609462799999,66768830.34,58389,1215.359238,35103542.78,0',
    '1609462800000,28995.13,29470.00,28960.35,29409.99,5403.068471,1609466399999,158357816.81,103896,3160.041701,92613991.93,0',
    '1609466400000,29410.00,29465.26,29120.03,29194.65,2384.231560,1609469999999,69842653.67,57646,1203.433506,35252749.90,0',
  ];
  const cases: Array<[string, string[], number, RegExp]> = [
    ['a row with a column missing', [good[0]!, good[1]!.split(',').slice(0, 11).join(','), good[2]!], 2, /expected 12 columns, found 11/],
    ['a row with a column too many', [good[0]!, good[1]!, `${good[2]},7`], 3, /expected 12 columns, found 13/],
    ['a price that is not a number', [good[0]!, good[1]!.replace('29470.00', 'NaN'), good[2]!], 2, /column 3 \(high\) is not a number: "NaN"/],
    ['an empty field', [good[0]!, good[1]!, good[2]!.replace(',57646,', ',,')], 3, /column 9 \(trades\) is not a number: ""/],
    ['text in an unused column', [good[0]!, good[1]!.replace(',103896,', ',lots,'), good[2]!], 2, /column 9 \(trades\) is not a number: "lots"/],
    ['rows out of order', [good[0]!, good[2]!, good[1]!], 3, /open time 2021-01-01T01:00:00.000Z is before the previous row's 2021-01-01T02:00:00.000Z/],
    ['a duplicate row', [good[0]!, good[1]!, good[1]!], 3, /duplicate open time 2021-01-01T01:00:00.000Z/],
    ['a high below the low', [good[0]!, good[1]!.replace('29470.00,28960.35', '28960.35,29470.00'), good[2]!], 2, /high 28960.35 is below low 29470/],
    [
      'a close above the high',
      [good[0]!, good[1]!, good[2]!.replace('29194.65', '29999.99')],
      3,
      /high 29465.26 is below the open 29410 or the close 29999.99/,
    ],
    ['an open time off the interval', [good[0]!, good[1]!.replace('1609462800000', '1609462860000'), good[2]!], 2, /not on a 1h boundary/],
  ];

  it.each(cases)('%s', async (_name, lines, line, message) => {
    const file = write(`BTCUSDT-1h-bad-${line}-${Math.random().toString(36).slice(2)}.csv`, `${lines.join('\n')}\n`);
    const error = await readError(file);
    expect(error.file).toBe(file);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${file}:${line}: `)).toBe(true);
  });

  it('counts the header when naming the line of an OHLCV file', async () => {
    const file = write(
      'BTCUSDT-1m-bad.csv',
      'open_time,open,high,low,close,volume\n1609632000000,32176.45,32250.00,32165.00,32216.22,101.8\n1609632060000,32216.22,32225.66,32170.18,abc,44.8\n',
    );
    const error = await readError(file);
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/column 5 \(close\) is not a number: "abc"/);
  });

  it('refuses an unknown header or column layout', async () => {
    const reordered = write('BTCUSDT-1m-order.csv', 'time,open,close,high,low,volume\n1609632000000,1,1,1,1,1\n');
    expect((await readError(reordered)).message).toMatch(/unknown header .* expected open_time,open,high,low,close,volume/);
    const sevenColumns = write('BTCUSDT-1m-seven.csv', '1609632000000,1,1,1,1,1,1\n');
    const error = await readError(sevenColumns);
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/unknown format: 7 columns/);
  });
});
