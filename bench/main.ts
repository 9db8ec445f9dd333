// `npm run bench` (bin/bench.js): performance measured, printed as one JSON object. Never a timed assertion
// in the tests; BENCHMARKS.md records the numbers with the date and the machine.
import { cpus, totalmem } from 'node:os';
import { parseFlags } from '../src/app/args.ts';

export type Benchmark = (options: { quick: boolean }) => Promise<Record<string, unknown>>;

const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  engine: async () => (await import('./engine-throughput.ts')).engineThroughput,
  'binance-latency': async () => (await import('./binance-latency.ts')).binanceLatency,
  'backtest-year': async () => (await import('./backtest-year.ts')).backtestYear,
  'optimize-sweep': async () => (await import('./backtest-sweep.ts')).optimizeSweep,
  'research-sweep': async () => (await import('./research-sweep.ts')).researchSweep,
  'halt-latency': async () => (await import('./halt-latency.ts')).haltLatency,
  'report-prompt': async () => (await import('./report-prompt.ts')).reportPromptSize,
  'crowd-desk': async () => (await import('./crowd-desk.ts')).crowdDesk,
  'forge-draft': async () => (await import('./forge-draft.ts')).forgeDraft,
  'api-load': async () => (await import('./api-load.ts')).apiLoad,
};

export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { only: { type: 'string' }, quick: { type: 'boolean' } });
  const names = values.only ? values.only.split(',') : Object.keys(BENCHMARKS);
  for (const n of names) if (!BENCHMARKS[n]) throw new Error(`unknown benchmark "${n}" (known: ${Object.keys(BENCHMARKS).join(', ')})`);
  const results: Record<string, unknown> = {};
  for (const name of names) {
    const run = await BENCHMARKS[name]!();
    results[name] = await run({ quick: values.quick === true });
  }
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    results,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}
