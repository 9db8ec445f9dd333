import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Candle } from '../../src/core/domain.ts';
import type { DownloadOptions } from '../../src/data/download.ts';
import { DownloadError, downloadCandles } from '../../src/data/download.ts';
import { parsePeriod, periodsBetween } from '../../src/data/periods.ts';
import { readCandles } from '../../src/market/csv-candles.ts';
import { FileMarketData } from '../../src/market/file-market-data.ts';
import { candlePath, toBinanceRow } from './candle-fixtures.ts';
import { FakeBinanceVision } from './fake-binance-vision.ts';

async function collect(iterable: AsyncIterable<Candle> | Iterable<Candle>): Promise<Candle[]> {
  const out: Candle[] = [];
  for await (const c of iterable) out.push(c);
  return out;
}

function months(from: string, to: string) {
  const a = parsePeriod(from);
  const b = parsePeriod(to);
  if (typeof a === 'string' || typeof b === 'string') throw new Error('bad test period');
  return periodsBetween(a.start, b.start, 'monthly');
}

function days(from: string, to: string) {
  const a = parsePeriod(from);
  const b = parsePeriod(to);
  if (typeof a === 'string' || typeof b === 'string') throw new Error('bad test period');
  return periodsBetween(a.start, b.start, 'daily');
}

/** The real hourly rows of one month of 2021, exactly as the Q1 file has them. */
const q1Lines = (): string[] => readFileSync(candlePath('btc1h'), 'utf8').trimEnd().split('\n');
function monthCsv(month: number): string {
  const start = Date.UTC(2021, month - 1, 1);
  const end = Date.UTC(2021, month, 1);
  const rows = q1Lines().filter((line) => {
    const t = Number(line.slice(0, line.indexOf(',')));
    return t >= start && t < end;
  });
  return `${rows.join('\n')}\n`;
}

/** The real minutes of 2021-01-03 as 12-column Binance rows (1440 of them). */
function dayKlines(): string[] {
  return readFileSync(candlePath('btc1mDay'), 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => toBinanceRow(line, 60_000));
}

let fake: FakeBinanceVision;
let dir: string;
const sleeps: number[] = [];

beforeAll(async () => {
  fake = await FakeBinanceVision.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crewdesk-download-'));
  fake.requests.length = 0;
  fake.archives.clear();
  fake.wrongChecksums.clear();
  fake.dropAfter.clear();
  fake.stall.clear();
  fake.rangeSupport = true;
  fake.throttle = 0;
  fake.usedWeight = 0;
  sleeps.length = 0;
  for (const m of [1, 2, 3]) await fake.publish('monthly', `BTCUSDT-1h-2021-0${m}`, monthCsv(m));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function options(overrides: Partial<DownloadOptions> = {}): DownloadOptions {
  return {
    symbol: 'BTCUSDT',
    interval: '1h',
    periods: months('2021-01', '2021-03'),
    dir,
    baseUrl: fake.url,
    restUrl: fake.url,
    progress: false,
    timeoutMs: 5000,
    // No real waiting in tests: back-offs are recorded instead.
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  };
}

describe('downloading data.binance.vision archives', () => {
  it('fetches each month, checks its sha256, and leaves exactly the CSVs', async () => {
    const outcomes = await downloadCandles(options());
    expect(outcomes.map((o) => o.source)).toEqual(['archive', 'archive', 'archive']);
    expect(readdirSync(dir).sort()).toEqual(['BTCUSDT-1h-2021-01.csv', 'BTCUSDT-1h-2021-02.csv', 'BTCUSDT-1h-2021-03.csv']);
    for (const m of [1, 2, 3]) expect(readFileSync(join(dir, `BTCUSDT-1h-2021-0${m}.csv`), 'utf8')).toBe(monthCsv(m));
    expect(fake.requests.map((r) => r.path)).toContain('/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2021-02.zip.CHECKSUM');
    // The three months read back as the quarter they came from.
    const market = new FileMarketData({ paths: [dir] });
    expect(await collect(market.candles([{ symbol: 'BTCUSDT', interval: '1h' }]))).toEqual(await collect(readCandles(candlePath('btc1h'))));
  });

  it('skips files already there without a single request', async () => {
    await downloadCandles(options());
    fake.requests.length = 0;
    const outcomes = await downloadCandles(options());
    expect(outcomes.map((o) => o.source)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(fake.requests).toEqual([]);
  });

  it('refuses an archive whose checksum does not match, keeping nothing of it', async () => {
    fake.wrongChecksums.set('/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2021-02.zip', 'ab'.repeat(32));
    const failure = downloadCandles(options());
    await expect(failure).rejects.toThrow(DownloadError);
    await expect(failure).rejects.toThrow(/BTCUSDT-1h-2021-02\.zip: checksum mismatch \(published sha256 (ab)+, downloaded [0-9a-f]{64}\); nothing was kept/);
    // January is done; of February nothing remains, not even a partial download.
    expect(readdirSync(dir)).toEqual(['BTCUSDT-1h-2021-01.csv']);
  });

  it('resumes a connection dropped mid-body with a Range request, byte for byte', async () => {
    const path = '/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2021-02.zip';
    const half = Math.floor(fake.archives.get(path)!.length / 2);
    fake.dropAfter.set(path, half);
    const cut = (p: { file: string; received: number }): void => {
      if (p.file === 'BTCUSDT-1h-2021-02.zip' && p.received === half) fake.dropHeld();
    };
    const outcomes = await downloadCandles(options({ onProgress: cut }));
    expect(outcomes.map((o) => o.source)).toEqual(['archive', 'archive', 'archive']);
    const archiveRequests = fake.requests.filter((r) => r.path === path);
    expect(archiveRequests).toHaveLength(2);
    expect(archiveRequests[0]!.range).toBeUndefined();
    expect(archiveRequests[1]!.range).toBe(`bytes=${half}-`);
    expect(readFileSync(join(dir, 'BTCUSDT-1h-2021-02.csv'), 'utf8')).toBe(monthCsv(2));
    expect(sleeps).toEqual([1000]); // one back-off before the retry
  });

  it('leaves only a .part file when a run is cut short, and the next run resumes from it', async () => {
    const path = '/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2021-01.zip';
    const third = Math.floor(fake.archives.get(path)!.length / 3);
    fake.dropAfter.set(path, third);
    const cut = (p: { received: number }): void => {
      if (p.received === third) fake.dropHeld();
    };
    await expect(downloadCandles(options({ retries: 0, onProgress: cut }))).rejects.toThrow(
      /BTCUSDT-1h-2021-01\.zip: .*kept in .*BTCUSDT-1h-2021-01\.zip\.part and the next run resumes/,
    );
    expect(readdirSync(dir)).toEqual(['BTCUSDT-1h-2021-01.zip.part']);
    const kept = statSync(join(dir, 'BTCUSDT-1h-2021-01.zip.part')).size;
    expect(kept).toBe(third);

    fake.requests.length = 0;
    await downloadCandles(options({ retries: 0 }));
    expect(fake.requests.find((r) => r.path === path)?.range).toBe(`bytes=${kept}-`);
    expect(readdirSync(dir).sort()).toEqual(['BTCUSDT-1h-2021-01.csv', 'BTCUSDT-1h-2021-02.csv', 'BTCUSDT-1h-2021-03.csv']);
    expect(readFileSync(join(dir, 'BTCUSDT-1h-2021-01.csv'), 'utf8')).toBe(monthCsv(1));
  });

  it('starts over when the server ignores Range', async () => {
    const path = '/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2021-03.zip';
    fake.rangeSupport = false;
    fake.dropAfter.set(path, 100);
    await downloadCandles(options({ onProgress: (p) => p.received === 100 && fake.dropHeld() }));
    const requests = fake.requests.filter((r) => r.path === path);
    expect(requests.map((r) => r.range)).toEqual([undefined, 'bytes=100-']);
    expect(readFileSync(join(dir, 'BTCUSDT-1h-2021-03.csv'), 'utf8')).toBe(monthCsv(3));
  });

  it('gives up on a server that stops sending, after the idle timeout', async () => {
    fake.stall.add('/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2021-01.zip');
    await expect(downloadCandles(options({ timeoutMs: 150, retries: 1 }))).rejects.toThrow(/BTCUSDT-1h-2021-01\.zip: .*no data for 150 ms/);
    expect(existsSync(join(dir, 'BTCUSDT-1h-2021-01.csv'))).toBe(false);
  });
});

describe('the REST fallback for periods not published yet', () => {
  it('pages /api/v3/klines by 1000 after a 404, writing the same 12-column CSV', async () => {
    fake.setKlines('BTCUSDT', '1m', dayKlines());
    fake.throttle = 1; // the first page is refused once with 429 Retry-After: 3
    const outcomes = await downloadCandles(options({ interval: '1m', periods: days('2021-01-03', '2021-01-03') }));
    expect(outcomes).toEqual([{ period: '2021-01-03', file: join(dir, 'BTCUSDT-1m-2021-01-03.csv'), source: 'rest', rows: 1440 }]);
    expect(fake.requests[0]!.path).toBe('/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2021-01-03.zip');
    const pages = fake.klinesRequests();
    expect(pages.map((p) => [p.get('startTime'), p.get('limit')])).toEqual([
      [String(Date.UTC(2021, 0, 3)), '1000'], // 429
      [String(Date.UTC(2021, 0, 3)), '1000'],
      [String(Date.UTC(2021, 0, 3) + 1000 * 60_000), '1000'],
    ]);
    expect(sleeps).toEqual([3000]);
    expect(readFileSync(join(dir, 'BTCUSDT-1m-2021-01-03.csv'), 'utf8')).toBe(`${dayKlines().join('\n')}\n`);
    expect(await collect(readCandles(join(dir, 'BTCUSDT-1m-2021-01-03.csv')))).toEqual(await collect(readCandles(candlePath('btc1mDay'))));
  });

  it('takes only closed candles of the running day, and fetches the day again next time', async () => {
    fake.setKlines('BTCUSDT', '1m', dayKlines());
    const noon = Date.UTC(2021, 0, 3, 12, 0, 30);
    const outcomes = await downloadCandles(options({ interval: '1m', periods: days('2021-01-03', '2021-01-03'), now: () => noon }));
    expect(outcomes[0]).toMatchObject({ source: 'rest', rows: 720 });
    fake.requests.length = 0;
    // Written before the day ended: not complete, so not skipped.
    await downloadCandles(options({ interval: '1m', periods: days('2021-01-03', '2021-01-03') }));
    expect(fake.klinesRequests()).toHaveLength(2);
    expect(readFileSync(join(dir, 'BTCUSDT-1m-2021-01-03.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(1440);
  });

  it('pauses until the next minute when the used weight nears the limit', async () => {
    fake.setKlines('BTCUSDT', '1m', dayKlines());
    const now = Date.UTC(2021, 5, 1, 10, 0, 15);
    // After the first page the weight used is 2; with 20 kept in reserve, 22 is the limit's edge.
    await downloadCandles(options({ interval: '1m', periods: days('2021-01-03', '2021-01-03'), weightLimit: 22, now: () => now }));
    expect(sleeps).toEqual([46_000]);
    expect(fake.klinesRequests()).toHaveLength(2);
  });

  it('writes nothing when there are no candles at all', async () => {
    fake.setKlines('BTCUSDT', '1m', []);
    const outcomes = await downloadCandles(options({ interval: '1m', periods: days('2021-01-03', '2021-01-03') }));
    expect(outcomes[0]!.source).toBe('empty');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('says what the REST API answered when it refuses', async () => {
    await expect(downloadCandles(options({ symbol: 'NOPEUSDT', interval: '1m', periods: days('2021-01-03', '2021-01-03') }))).rejects.toThrow(
      /HTTP 400 .*Invalid symbol/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
