// Run as a process of its own by sandbox-orphan.test.ts: proves a draft that loops forever, with
// the wall-clock limit given as its argument, and prints its pid; the test then kills it with SIGKILL.
import { proveInSandbox } from '../../src/forge/sandbox.ts';
import { withOnCandle } from './drafts.ts';
import { sandboxJob } from './sandbox-job.ts';

const timeoutMs = Number(process.argv[2]);
process.stdout.write(`prover ${process.pid}\n`);
await proveInSandbox(sandboxJob(withOnCandle('while (candle.close > 0) { ind.prev = 1; }')), { timeoutMs, memoryMb: 256 });
