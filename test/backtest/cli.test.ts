// `crewdesk backtest` from the outside: the Done-means check on real candles through the real
// binary, reproducibility, and every kind of bad input refused in one line with exit code 2.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Big from 'big.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/app/main.ts';
import { parseIsoTime } from '../../src/app/backtest-cli.ts';
import { candleDir, candlePath, REPO_ROOT } from '../data/candle-fixtures.ts';
import { tempDir } from '../support/desk-harness.ts';

const run = promisify(execFile);
const BTC_1H = candlePath('btc1h');
const REAL = candleDir().real;

interface JsonFill {
  time: number;
  side: 'BUY' | 'SELL';
  price: number;
  qty: number;
  fee: number;
}

/** Rows of a Binance kline CSV: open time, open and close (nothing of the app's code involved). */
function readRows(file: string): { time: number; open: number; close: number }[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => /^\d/.test(line))
    .map((line) => {
      const [time, open, , , close] = line.split(',');
      return { time: Number(time), open: Number(open), close: Number(close) };
    });
}

/**
 * sma-cross's rule replayed by hand: SMA(10) and SMA(30) of the closes including the candle just
 * closed; buy when the fast one crosses above (fast > slow, before fast ≤ slow), sell everything
 * when it crosses below; each signal fills at the next row's open. Buy qty = floor(cash /
 * (open × 1.001), 0.00001); fees 0.1 % of the notional, in quote, to 8 decimals.
 */
function replaySmaCross(rows: { time: number; open: number; close: number }[]): {
  fills: { time: number; side: string; price: string; qty: string; fee: string }[];
  equity: Big;
} {
  const sma = (i: number, n: number): number | null => {
    if (i + 1 < n) return null;
    let sum = 0;
    for (let k = i - n + 1; k <= i; k++) sum += rows[k]!.close;
    return sum / n;
  };
  const fee = new Big('0.001');
  let cash = new Big(10000);
  let qty = new Big(0);
  const fills: { time: number; side: string; price: string; qty: string; fee: string }[] = [];
  for (let i = 1; i + 1 < rows.length; i++) {
    const [fast, slow, prevFast, prevSlow] = [sma(i, 10), sma(i, 30), sma(i - 1, 10), sma(i - 1, 30)];
    if (fast === null || slow === null || prevFast === null || prevSlow === null) continue;
    const next = rows[i + 1]!;
    const price = new Big(next.open);
    if (qty.eq(0) && fast > slow && prevFast <= prevSlow) {
      qty = cash
        .div(price.times(fee.plus(1)))
        .div('0.00001')
        .round(0, Big.roundDown)
        .times('0.00001');
      const cost = qty.times(price);
      const paid = cost.times(fee).round(8, Big.roundHalfUp);
      cash = cash.minus(cost).minus(paid);
      fills.push({ time: next.time, side: 'BUY', price: price.toString(), qty: qty.toString(), fee: paid.toString() });
    } else if (qty.gt(0) && fast < slow && prevFast >= prevSlow) {
      const proceeds = qty.times(price);
      const paid = proceeds.times(fee).round(8, Big.roundHalfUp);
      cash = cash.plus(proceeds).minus(paid);
      fills.push({ time: next.time, side: 'SELL', price: price.toString(), qty: qty.toString(), fee: paid.toString() });
      qty = new Big(0);
    }
  }
  return { fills, equity: cash.plus(qty.times(rows[rows.length - 1]!.close)) };
}

describe('crewdesk backtest --json, sma-cross defaults on BTCUSDT 1h 2021-Q1 (10,000 USDT, 10 bps, no slippage)', () => {
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    const result = await run(
      process.execPath,
      ['bin/crewdesk.js', 'backtest', '--crew', 'sma-cross', '--symbol', 'BTCUSDT', '--interval', '1h', '--data', BTC_1H, '--json'],
      {
        cwd: REPO_ROOT,
        maxBuffer: 64 << 20,
      },
    );
    stdout = result.stdout;
    stderr = result.stderr;
  });

  it('prints one JSON object and nothing else (no progress bar when piped)', () => {
    expect(stderr).toBe('');
    const document = JSON.parse(stdout) as Record<string, unknown>;
    expect(typeof document.finalEquity).toBe('number');
    expect(typeof document.kpis).toBe('object');
    expect(Array.isArray(document.fills)).toBe(true);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('}');
  });

  it.skipIf(!REAL)('fills the first signals at the next candle’s open, prices as in the file', () => {
    const { fills } = JSON.parse(stdout) as { fills: JsonFill[] };
    // Read from BTCUSDT-1h-2021-Q1.csv by hand: the open column of the candle after each cross.
    expect(fills.slice(0, 4).map((f) => [f.time, f.side, f.price])).toEqual([
      [1609862400000, 'BUY', 32099.97], //  2021-01-05 16:00 UTC
      [1610182800000, 'SELL', 40167.54], // 2021-01-09 09:00 UTC
      [1610211600000, 'BUY', 39995.09], //  2021-01-09 17:00 UTC
      [1610283600000, 'SELL', 39538.56], // 2021-01-10 13:00 UTC
    ]);
    // floor(10000 / (32099.97 × 1.001), 0.00001) = 0.31121; fee 0.31121 × 32099.97 × 0.001
    expect(fills[0]).toEqual({ time: 1609862400000, side: 'BUY', price: 32099.97, qty: 0.31121, fee: 9.98983166 });
  });

  it('matches an independent replay of the SMA(10)/SMA(30) rule, every fill and the final equity to the cent', () => {
    const document = JSON.parse(stdout) as { fills: JsonFill[]; finalEquity: number; kpis: { finalEquity: number; feesPaid: number } };
    const expected = replaySmaCross(readRows(BTC_1H));
    expect(expected.fills.length).toBeGreaterThan(10);
    expect(document.fills.map((f) => ({ time: f.time, side: f.side, price: String(f.price), qty: String(f.qty), fee: String(f.fee) }))).toEqual(expected.fills);
    expect(document.finalEquity.toFixed(2)).toBe(expected.equity.toFixed(2));
    expect(document.kpis.finalEquity.toFixed(2)).toBe(expected.equity.toFixed(2));
    const fees = expected.fills.reduce((sum, f) => sum.plus(f.fee), new Big(0));
    expect(document.kpis.feesPaid.toFixed(6)).toBe(fees.toFixed(6));
  });

  it('lists the fills in time order', () => {
    const { fills } = JSON.parse(stdout) as { fills: JsonFill[] };
    for (let i = 1; i < fills.length; i++) expect(fills[i]!.time).toBeGreaterThan(fills[i - 1]!.time);
  });

  it('gives byte-identical JSON on every run, in this process or another', async () => {
    const first = await captured(['backtest', '--crew', 'sma-cross', '--symbol', 'BTCUSDT', '--interval', '1h', '--data', BTC_1H, '--json']);
    const second = await captured(['backtest', '--crew', 'sma-cross', '--symbol', 'BTCUSDT', '--interval', '1h', '--data', BTC_1H, '--json']);
    expect(first.code).toBe(0);
    expect(first.out).toBe(second.out);
    expect(first.out).toBe(stdout);
  });
});

/** Runs the CLI in this process with stdout and stderr captured. */
async function captured(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  try {
    const code = await main(argv);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('crewdesk backtest --out', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('crewdesk-backtest-out-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the chart, the curve, the fills and the JSON; the table goes to stdout, plain when piped', async () => {
    const out = join(dir, 'run');
    const result = await captured(['backtest', '--crew', 'sma-cross', '--symbol', 'BTCUSDT', '--interval', '1h', '--data', BTC_1H, '--out', out]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['equity.csv', 'equity.png', 'fills.csv', 'result.json']);
    expect([...readFileSync(join(out, 'equity.png')).subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
    const document = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { fills: JsonFill[] };
    const csv = readFileSync(join(out, 'fills.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('time,time_iso,side,price,qty,fee');
    expect(csv).toHaveLength(document.fills.length + 1);
    expect(csv[1]).toBe(
      `${document.fills[0]!.time},${new Date(document.fills[0]!.time).toISOString()},${document.fills[0]!.side},${document.fills[0]!.price},${document.fills[0]!.qty},${document.fills[0]!.fee}`,
    );
    expect(result.out).toMatch(/^sma-cross on BTCUSDT 1h · 2021-01-01 00:00 → 2021-04-01 00:00 UTC · 2,158 candles\n/);
    expect(result.out).toMatch(/\nTotal return +[+-]\d+\.\d\d %\n/);
    expect(result.out).toMatch(/\nGaps in the data +2 \(2 candles missing\)\n/);
    expect(result.out).not.toMatch(/\u001b\[|[┌│]/); // no colour, no box when piped
    // Run again into the same folder: replaced whole, no staging folder left behind.
    expect(
      (await captured(['backtest', '--crew', 'sma-cross', '--symbol', 'BTCUSDT', '--interval', '1h', '--data', BTC_1H, '--out', out, '--json'])).code,
    ).toBe(0);
    expect(readdirSync(dir)).toEqual(['run']);
  });
});

describe('crewdesk backtest refuses bad input in one line, exit code 2, nothing written', () => {
  let dir: string;
  let out: string;
  beforeAll(() => {
    dir = tempDir('crewdesk-backtest-bad-');
    out = join(dir, 'out');
    // A malformed candle file: the high of its third row is below its low.
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(
      join(bad, 'BTCUSDT-1h-2021-01.csv'),
      'open_time,open,high,low,close,volume\n1609459200000,100,110,90,105,1\n1609462800000,105,95,100,101,1\n',
    );
  });
  afterEach(() => {
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n !== 'bad')).toEqual([]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const base = (over: Record<string, string | null>): string[] => {
    const flags: Record<string, string | null> = { crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', data: BTC_1H, ...over };
    return ['backtest', ...Object.entries(flags).flatMap(([k, v]) => (v === null ? [] : [`--${k}`, v])), '--out', out];
  };

  it.each([
    // The known crews are whatever crews/ holds (a crew added as the README shows is listed too).
    [
      'an unknown crew, listing the known ones',
      { crew: 'sma-crosss' },
      /^crewdesk backtest: unknown crew "sma-crosss" \(known: (?=(?:.*, )?dca(?:, |\)$))(?=(?:.*, )?donchian-breakout(?:, |\)$))(?=(?:.*, )?rsi-reversion(?:, |\)$))(?=(?:.*, )?sma-cross(?:, |\)$))[a-z0-9-]+(?:, [a-z0-9-]+)*\)$/,
    ],
    [
      'a param out of its bounds, naming it and its bounds',
      { params: '{"fast":10,"slow":900}' },
      /^crewdesk backtest: param slow = 900 is outside its bounds 2\.\.500$/,
    ],
    [
      'an unknown param, listing the crew’s',
      { params: '{"fats":10}' },
      /^crewdesk backtest: unknown param "fats" for crew sma-cross \(params: fast, slow, size, stopLossPct/,
    ],
    ['params the crew refuses', { params: '{"fast":30,"slow":20}' }, /^crewdesk backtest: params for crew sma-cross: fast: fast must be below slow$/],
    ['params that are not JSON', { params: '{fast:10}' }, /^crewdesk backtest: --params: not JSON: \{fast:10\}/],
    ['a bad date', { from: '2021-02-30' }, /^crewdesk backtest: --from: "2021-02-30" is not a date; use ISO 8601/],
    [
      'an empty span',
      { from: '2021-03-01', to: '2021-02-01' },
      /^crewdesk backtest: the span is empty: from 2021-03-01T00:00:00\.000Z is not before to 2021-02-01/,
    ],
    ['a span without candles', { from: '2022-01-01' }, /^crewdesk backtest: no candles in the span/],
    [
      'data without the symbol and interval',
      { interval: '4h' },
      /^crewdesk backtest: no candle files for BTCUSDT 4h in .*BTCUSDT-1h-2021-Q1\.csv \(expected names like BTCUSDT-4h-2024-01\.csv/,
    ],
    [
      'a data path that does not exist',
      { data: '/nonexistent/candles' },
      /^crewdesk backtest: candle path \/nonexistent\/candles: no such file or directory \(fetch candles first: crewdesk data download SYMBOL INTERVAL FROM TO writes them to data\/candles\)$/,
    ],
    ['a bad interval', { interval: '7m' }, /^crewdesk backtest: --interval: "7m" is not one of 1m, 3m/],
    ['a missing --crew', { crew: null }, /^crewdesk backtest: --crew is required/],
    ['a cash of zero', { cash: '0' }, /^crewdesk backtest: --cash: "0" is not a valid number here$/],
  ])('%s', async (_what, over, message) => {
    const result = await captured(base(over));
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err.endsWith('\n')).toBe(true);
    expect(result.err.trimEnd().split('\n')).toHaveLength(1);
    expect(result.err.trimEnd()).toMatch(message);
  });

  it('a malformed candle file, naming the file and the line', async () => {
    const result = await captured(base({ data: join(dir, 'bad') }));
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/^crewdesk backtest: malformed candle file: .*\/bad\/BTCUSDT-1h-2021-01\.csv:3: high 95 is below low 100\n$/);
  });

  it('a malformed candle file with --journal: no journal is left, so the retry fails the same way', async () => {
    const journal = join(dir, 'j2.sqlite');
    for (const attempt of [1, 2]) {
      const result = await captured([...base({ data: join(dir, 'bad') }), '--journal', journal]);
      expect(result.code, `attempt ${attempt}`).toBe(2);
      expect(result.err, `attempt ${attempt}`).toMatch(
        /^crewdesk backtest: malformed candle file: .*\/bad\/BTCUSDT-1h-2021-01\.csv:3: high 95 is below low 100\n$/,
      );
      expect(existsSync(journal), `attempt ${attempt}`).toBe(false);
    }
  });

  it('an unknown flag, naming it', async () => {
    const result = await captured([...base({}), '--fees', '10']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^crewdesk backtest: Unknown option '--fees'/);
    expect(result.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an --out that is a file', async () => {
    const file = join(dir, 'bad', 'a-file');
    writeFileSync(file, 'x');
    const result = await captured([...base({}).slice(0, -2), '--out', file]);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`crewdesk backtest: --out: ${file} is a file, not a folder\n`);
    rmSync(file);
  });
});

describe('dates', () => {
  it('reads ISO dates and times as UTC unless a zone is given', () => {
    expect(parseIsoTime('2021-01-01', 'from')).toBe(Date.UTC(2021, 0, 1));
    expect(parseIsoTime('2021-01-01T12:30', 'from')).toBe(Date.UTC(2021, 0, 1, 12, 30));
    expect(parseIsoTime('2021-01-01T12:30:15.5Z', 'from')).toBe(Date.UTC(2021, 0, 1, 12, 30, 15, 500));
    expect(parseIsoTime('2021-01-01T12:00+02:00', 'from')).toBe(Date.UTC(2021, 0, 1, 10));
    expect(() => parseIsoTime('2021-13-01', 'to')).toThrow(/--to: "2021-13-01" is not a date/);
    expect(() => parseIsoTime('yesterday', 'to')).toThrow(/is not a date/);
  });
});
