// The api-load benchmark's clients, in a process of their own (as browsers and scripts are: their
// work does not share the desk's event loop): N Server-Sent Events streams held open, and
// autocannon sending reads at a fixed overall rate. The parent sends the setup as argv and gets
// the result over IPC.
import autocannon from 'autocannon';

export interface LoadSetup {
  readonly url: string;
  readonly token: string;
  readonly sseClients: number;
  readonly readsPerSecond: number;
  readonly seconds: number;
  readonly paths: readonly string[];
}

export interface LoadResult {
  readonly reads: { total: number; errors: number; timeouts: number; non2xx: number; statusCodes: Record<string, number> };
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  readonly sse: { clients: number; connected: number; failed: number; events: number; minEventsPerClient: number };
}

async function main(): Promise<void> {
  const setup = JSON.parse(process.argv[2]!) as LoadSetup;
  const auth = { authorization: `Bearer ${setup.token}` };
  const controller = new AbortController();
  const counts = new Array<number>(setup.sseClients).fill(0);
  let connected = 0;
  let failed = 0;
  const streams = counts.map(async (_, i) => {
    try {
      const res = await fetch(`${setup.url}api/v1/events`, { headers: auth, signal: controller.signal });
      if (!res.ok || !res.body) throw new Error(String(res.status));
      connected++;
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        const frames = buffer.split('\n\n');
        buffer = frames.pop()!;
        for (const frame of frames) if (frame.includes('event: ')) counts[i]!++;
      }
    } catch {
      if (!controller.signal.aborted) failed++;
    }
  });
  // Every stream open before the reads start.
  const deadline = Date.now() + 30_000;
  while (connected + failed < setup.sseClients && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const result = await autocannon({
    url: setup.url,
    connections: 50,
    duration: setup.seconds,
    overallRate: setup.readsPerSecond,
    timeout: 10,
    headers: auth,
    requests: setup.paths.map((path) => ({ method: 'GET', path })),
  });
  controller.abort();
  await Promise.allSettled(streams);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
  const out: LoadResult = {
    reads: { total: result.requests.total, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, statusCodes },
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    sse: { clients: setup.sseClients, connected, failed, events: counts.reduce((a, b) => a + b, 0), minEventsPerClient: Math.min(...counts) },
  };
  process.send!(out);
}

main().catch((error: unknown) => {
  process.send!({ error: error instanceof Error ? error.message : String(error) });
});
