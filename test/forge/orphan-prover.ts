// Run as a process of its own by sandbox-orphan.test.ts: proves a draft that loops forever, with
// the wall-clock limit given as its argument, and prints its pid; the test then kills it with SIGKILL.
import { proveInSandbox } from '../../src/forge/sandbox.ts';
import { candlePath } from '../data/candle-fixtures.ts';
import { GOOD_NAME, withOnCandle } from './drafts.ts';

const timeoutMs = Number(process.argv[2]);
process.stdout.write(`prover ${process.pid}\n`);
await proveInSandbox(
  {
    name: GOOD_NAME,
    source: withOnCandle('while (candle.close > 0) { ind.prev = 1; }'),
    symbol: 'BTCUSDT',
    interval: '1h',
    data: [candlePath('btc1h')],
    cash: 10_000,
    feeBps: 10,
    inSampleShare: 0.7,
    compare: false,
  },
  { timeoutMs, memoryMb: 256 },
);
