// The forge's checks in a worker thread: the TypeScript compiler's type check is synchronous
// (tens of milliseconds a draft once warm, seconds cold), and on the desk's main thread it would
// hold candle closes and orders behind it. The worker warms the compiler up as it starts and then
// answers one check per message.
import { parentPort } from 'node:worker_threads';
import { checkDraft, type DraftInput, warmUpChecks } from './checks.ts';

warmUpChecks();
parentPort!.on('message', (message: { readonly id: number; readonly input: DraftInput }) => {
  try {
    parentPort!.postMessage({ id: message.id, report: checkDraft(message.input) });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
