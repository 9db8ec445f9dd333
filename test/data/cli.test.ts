import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/app/args.ts';
import { dataCommand, parseDownloadArgs } from '../../src/app/data-cli.ts';
import { candlePath } from './candle-fixtures.ts';
import { FakeBinanceVision } from './fake-binance-vision.ts';

const NOW = Date.UTC(2024, 5, 15, 12);

describe('crewdesk data download arguments', () => {
  it('reads a month range with its defaults', () => {
    const options = parseDownloadArgs(['BTCUSDT', '1m', '2024-01', '2024-03'], NOW);
    expect(options).toMatchObject({
      symbol: 'BTCUSDT',
      interval: '1m',
      dir: 'data/candles',
      baseUrl: 'https://data.binance.vision',
      restUrl: 'https://api.binance.com',
    });
    expect(options.periods.map((p) => p.label)).toEqual(['2024-01', '2024-02', '2024-03']);
    expect(options.periods[1]).toEqual({ kind: 'monthly', label: '2024-02', start: Date.UTC(2024, 1, 1), end: Date.UTC(2024, 2, 1) });
  });

  it('takes days with --daily, a month meaning all its days, never past today', () => {
    const days = parseDownloadArgs(['ethusdt', '1h', '2024-02-27', '2024-03-02', '--daily', '--dir', '/tmp/x'], NOW);
    expect(days.symbol).toBe('ETHUSDT');
    expect(days.dir).toBe('/tmp/x');
    expect(days.periods.map((p) => p.label)).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02']);
    const june = parseDownloadArgs(['BTCUSDT', '1d', '2024-06', '2024-06', '--daily'], NOW);
    expect(june.periods.map((p) => p.label).at(-1)).toBe('2024-06-15');
    expect(june.periods).toHaveLength(15);
  });

  it.each([
    [['BTC-USDT', '1m', '2024-01', '2024-02'], /bad symbol "BTC-USDT": expected letters and digits only, like BTCUSDT/],
    [['BTCUSDT', '7m', '2024-01', '2024-02'], /bad interval "7m": expected one of 1m, 3m, 5m, .*1d/],
    [['BTCUSDT', '1m', '2024-13', '2024-02'], /bad FROM: "2024-13" is not a month: the month must be 01 to 12/],
    [['BTCUSDT', '1m', '2024-01', 'March'], /bad TO: "March" is not a month \(YYYY-MM, e.g. 2024-01\) or a day \(YYYY-MM-DD\)/],
    [['BTCUSDT', '1m', '2024-02-30', '2024-03-01', '--daily'], /bad FROM: "2024-02-30" is not a calendar day/],
    [['BTCUSDT', '1m', '2024-03', '2024-01'], /FROM 2024-03 is after TO 2024-01/],
    [['BTCUSDT', '1m', '2024-01-05', '2024-01-09'], /days \(2024-01-05\) need --daily/],
    [['BTCUSDT', '1m', '2031-01', '2031-02'], /FROM 2031-01 is in the future/],
    [['BTCUSDT', '1m', '2024-01'], /expected SYMBOL INTERVAL FROM TO, got 3 argument/],
    [['BTCUSDT', '1m', '2024-01', '2024-02', '--monthly'], /Unknown option '--monthly'/],
    [['BTCUSDT', '1m', '2024-01', '2024-02', '--base-url', 'ftp://x'], /--base-url: "ftp:\/\/x" is not an http\(s\) URL/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseDownloadArgs(argv, NOW)).toThrow(UsageError);
    expect(() => parseDownloadArgs(argv, NOW)).toThrow(message);
  });
});

describe('crewdesk data download', () => {
  let fake: FakeBinanceVision;
  let dir: string;
  let out: string[];
  let err: string[];

  beforeAll(async () => {
    fake = await FakeBinanceVision.start();
    const lines = readFileSync(candlePath('btc1h'), 'utf8').trimEnd().split('\n');
    const january = lines.filter((l) => Number(l.slice(0, 13)) < Date.UTC(2021, 1, 1));
    await fake.publish('monthly', 'BTCUSDT-1h-2021-01', `${january.join('\n')}\n`);
    dir = mkdtempSync(join(tmpdir(), 'crewdesk-data-cli-'));
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => vi.restoreAllMocks());

  function capture(): void {
    out = [];
    err = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  }

  it('downloads into --dir from --base-url and says what it did', async () => {
    capture();
    const code = await dataCommand(['download', 'BTCUSDT', '1h', '2021-01', '2021-01', '--dir', dir, '--base-url', fake.url, '--rest-url', fake.url]);
    vi.restoreAllMocks();
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    expect(readdirSync(dir)).toEqual(['BTCUSDT-1h-2021-01.csv']);
    expect(out.join('')).toMatch(/BTCUSDT-1h-2021-01\.csv: downloaded, sha256 verified\n1 downloaded, 0 already there/);
  });

  it('exits 2 with the reason on bad arguments, and 1 when a download fails', async () => {
    capture();
    expect(await dataCommand(['download', 'BTCUSDT', '1h', '2021-03', '2021-01'])).toBe(2);
    expect(await dataCommand(['fetch'])).toBe(2);
    fake.wrongChecksums.set('/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2021-01.zip', '0'.repeat(64));
    rmSync(join(dir, 'BTCUSDT-1h-2021-01.csv'), { force: true });
    expect(await dataCommand(['download', 'BTCUSDT', '1h', '2021-01', '2021-01', '--dir', dir, '--base-url', fake.url])).toBe(1);
    vi.restoreAllMocks();
    expect(err[0]).toBe('crewdesk data download: FROM 2021-03 is after TO 2021-01\n');
    expect(err[1]).toMatch(/unknown subcommand "fetch"/);
    expect(err[2]).toMatch(/checksum mismatch/);
  });
});
