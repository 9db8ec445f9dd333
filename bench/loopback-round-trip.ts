// The machine's own floor under the close → order figures: two Node processes on loopback, one
// writing a small message every PACE ms, the other answering with ~2 KB at once (a kline's and
// twenty orders' sizes), nothing else. Its tail is how late two processes on this machine wake for
// each other; no code of the desk or the emulator is in it. Started by binance-latency.ts beside
// its other figures, so they share one run's load.
import { fork } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const ASK = Buffer.alloc(200, 'k');
const ANSWER = Buffer.alloc(2_000, 'o');

/** Round trips (ms) after `warmUp` unmeasured ones, one every `paceMs`. */
export async function loopbackRoundTrips(options: { rounds: number; warmUp: number; paceMs: number }): Promise<number[]> {
  const child = fork(fileURLToPath(import.meta.url), ['answer'], {
    execArgv: ['--import', import.meta.resolve('tsx/esm')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let socket: Socket | null = null;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message) => resolve(message as number));
      child.once('exit', (code) => reject(new Error(`benchmark: the answering process exited (${code})`)));
    });
    const s = (socket = connect(port, '127.0.0.1'));
    s.setNoDelay(true);
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    const samples: number[] = [];
    for (let i = 0; i < options.warmUp + options.rounds; i++) {
      await new Promise((resolve) => setTimeout(resolve, options.paceMs));
      let got = 0;
      const answered = new Promise<void>((resolve) => {
        const onData = (data: Buffer): void => {
          got += data.length;
          if (got < ANSWER.length) return;
          s.off('data', onData);
          resolve();
        };
        s.on('data', onData);
      });
      const started = performance.now();
      s.write(ASK);
      await answered;
      if (i >= options.warmUp) samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    socket?.destroy();
    child.kill();
  }
}

/** The answering side, in its own process. */
function answer(): void {
  const server = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', () => s.write(ANSWER));
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[2] === 'answer' && process.send !== undefined) answer();
