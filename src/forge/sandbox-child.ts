// The sandboxed process's entry (run as the build's JavaScript, never through tsx): reads one
// ProofJob from stdin, evaluates the draft, writes the outcome as the last line of stdout. The
// parent started it with an empty environment, read access to node_modules and the candles only,
// no writes, no child processes, no workers, no addons, a heap cap and a deadline.
import { evaluateDraft } from './evaluate.ts';
import type { ProofJob, ProofOutcome } from './proof.ts';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProofJob;
let outcome: ProofOutcome;
try {
  outcome = await evaluateDraft(job);
} catch (error) {
  outcome = { ok: false, stage: 'run', reason: error instanceof Error ? error.message : String(error) };
}
process.stdout.write(`\n${JSON.stringify(outcome)}\n`, () => process.exit(0));
