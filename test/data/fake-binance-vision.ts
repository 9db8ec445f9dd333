// A hand-written stand-in for data.binance.vision and Binance's /api/v3/klines on 127.0.0.1:
// zips built with yazl, their .CHECKSUM files, HTTP Range, and the faults a download must survive
// (a connection dropped mid-body, a server without Range support, a wrong checksum, 429s, a stall).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import yazl from 'yazl';

export interface RecordedRequest {
  readonly path: string;
  readonly range: string | undefined;
}

type Kline = [number, string, string, string, string, string, number, string, number, string, string, string];

export class FakeBinanceVision {
  readonly requests: RecordedRequest[] = [];
  /** Archive bytes by URL path. */
  readonly archives = new Map<string, Buffer>();
  /** A checksum to publish instead of the right one, by archive path. */
  readonly wrongChecksums = new Map<string, string>();
  /**
   * Send only this many body bytes, once, by archive path, and hold the connection open until
   * `dropHeld()` cuts it (tests cut it once the client has those bytes on disk, so the resume
   * point is certain).
   */
  readonly dropAfter = new Map<string, number>();
  private readonly held = new Set<ServerResponse>();
  /** Send the headers, then nothing, by archive path. */
  readonly stall = new Set<string>();
  rangeSupport = true;
  /** Answer this many klines requests with 429 first. */
  throttle = 0;
  retryAfterSeconds = 3;
  /** Reported in X-MBX-USED-WEIGHT-1M: grows by 2 per klines request. */
  usedWeight = 0;
  private readonly klines = new Map<string, Kline[]>();
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeBinanceVision> {
    const fake: FakeBinanceVision = new FakeBinanceVision(createServer((req, res) => fake.handle(req, res)));
    fake.server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Publishes `csv` zipped as `{name}.zip` holding `{name}.csv`, where data.binance.vision would. */
  async publish(kind: 'monthly' | 'daily', name: string, csv: string): Promise<string> {
    const [symbol, interval] = name.split('-') as [string, string];
    const path = `/data/spot/${kind}/klines/${symbol}/${interval}/${name}.zip`;
    this.archives.set(path, await zip(`${name}.csv`, csv));
    return path;
  }

  /** Serves these 12-column CSV rows from /api/v3/klines. */
  setKlines(symbol: string, interval: string, rows: readonly string[]): void {
    this.klines.set(
      `${symbol} ${interval}`,
      rows.map((row) => {
        const f = row.split(',');
        return [Number(f[0]), f[1]!, f[2]!, f[3]!, f[4]!, f[5]!, Number(f[6]), f[7]!, Number(f[8]), f[9]!, f[10]!, f[11]!];
      }),
    );
  }

  /** Cuts the connections held by `dropAfter`, mid-body. */
  dropHeld(): void {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
  }

  klinesRequests(): URLSearchParams[] {
    return this.requests.filter((r) => r.path.startsWith('/api/v3/klines')).map((r) => new URL(r.path, this.url).searchParams);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    this.requests.push({ path, range: req.headers.range });
    if (path.startsWith('/api/v3/klines')) return this.serveKlines(new URL(path, this.url).searchParams, res);
    if (path.endsWith('.zip.CHECKSUM')) {
      const archivePath = path.slice(0, -'.CHECKSUM'.length);
      const archive = this.archives.get(archivePath);
      if (archive === undefined) return notFound(res);
      const hash = this.wrongChecksums.get(archivePath) ?? createHash('sha256').update(archive).digest('hex');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${hash}  ${archivePath.split('/').pop()}\n`);
      return;
    }
    const archive = this.archives.get(path);
    if (archive === undefined) return notFound(res);
    if (this.stall.has(path)) {
      res.writeHead(200, { 'content-length': archive.length, 'content-type': 'application/zip' });
      res.flushHeaders();
      return; // never a byte of body
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && this.rangeSupport) {
      start = Number(range[1]);
      if (start >= archive.length) {
        res.writeHead(416, { 'content-range': `bytes */${archive.length}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        'content-length': archive.length - start,
        'content-range': `bytes ${start}-${archive.length - 1}/${archive.length}`,
        'content-type': 'application/zip',
      });
    } else {
      res.writeHead(200, { 'content-length': archive.length, 'content-type': 'application/zip', 'accept-ranges': this.rangeSupport ? 'bytes' : 'none' });
    }
    const body = archive.subarray(start);
    const drop = this.dropAfter.get(path);
    if (drop !== undefined && drop < body.length) {
      this.dropAfter.delete(path);
      res.write(body.subarray(0, drop));
      this.held.add(res);
      return;
    }
    res.end(body);
  }

  private serveKlines(params: URLSearchParams, res: ServerResponse): void {
    if (this.throttle > 0) {
      this.throttle--;
      res.writeHead(429, { 'retry-after': String(this.retryAfterSeconds), 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: -1003, msg: 'Too many requests' }));
      return;
    }
    this.usedWeight += 2;
    const rows = this.klines.get(`${params.get('symbol')} ${params.get('interval')}`);
    if (rows === undefined) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: -1121, msg: 'Invalid symbol.' }));
      return;
    }
    const startTime = Number(params.get('startTime') ?? 0);
    const endTime = Number(params.get('endTime') ?? Number.MAX_SAFE_INTEGER);
    const limit = Math.min(1000, Number(params.get('limit') ?? 500));
    const page = rows.filter((k) => k[0] >= startTime && k[0] <= endTime).slice(0, limit);
    res.writeHead(200, { 'content-type': 'application/json', 'x-mbx-used-weight-1m': String(this.usedWeight) });
    res.end(JSON.stringify(page));
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/xml' });
  res.end('<Error><Code>NoSuchKey</Code></Error>');
}

async function zip(entryName: string, content: string): Promise<Buffer> {
  const file = new yazl.ZipFile();
  file.addBuffer(Buffer.from(content), entryName, { mtime: new Date(Date.UTC(2024, 0, 1)) });
  file.end();
  const chunks: Buffer[] = [];
  for await (const chunk of file.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
