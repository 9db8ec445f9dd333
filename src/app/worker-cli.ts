// `crewdesk worker`: a research worker process. It takes sweep runs from the Redis queue the desk
// (or `crewdesk optimize`) puts them on, runs them with this checkout's engine and crews on its own
// copy of the candles (checked by sha256, downloaded when missing), and says who it is. It holds
// no keys and needs none: a job carries no secrets, and a worker places no orders.
import { existsSync } from 'node:fs';
import { loadConfigFile } from '../config/load.ts';
import { researchRedisUrl } from '../config/research.ts';
import { numberFlag, parseFlags, UsageError } from './args.ts';

export const WORKER_USAGE = `usage: crewdesk worker [--redis URL] [options]

Takes sweep runs and forge proofs (in the forge's sandbox) from the research queue on Redis
and runs them; stops on Ctrl-C / SIGTERM (a run under way is finished first). Run as many as you like, on any machine with this
repository at the same commit (a worker with other engine or crew code refuses the jobs).

  --redis URL       redis://host:port[/db] or rediss:// (default: REDIS_URL, else the
                    config's research.redis with REDIS_PASSWORD)
  --prefix P        the queue's key prefix (default: the config's research.prefix, crewdesk)
  --data DIR        candle files or folders to look in (repeatable; default: replay.data)
  --cache DIR       where missing candle files are downloaded (default data/research-cache)
  --crew-dir DIR    extra crew folders (repeatable; default: the config's crewDirs)
  --id NAME         how this worker is listed (default HOST-PID)
  --lock-ms N       a job's lock: a worker dead this long has its job handed on (default 30000)
  --config FILE     the config (default crewdesk.yaml if present)
  --list            list the workers the queue knows (busy, idle, lost; same code or not) and exit
`;

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    redis: { type: 'string' },
    prefix: { type: 'string' },
    data: { type: 'string', multiple: true },
    cache: { type: 'string' },
    'crew-dir': { type: 'string', multiple: true },
    id: { type: 'string' },
    'lock-ms': { type: 'string' },
    config: { type: 'string' },
    list: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help === true) {
    process.stdout.write(WORKER_USAGE);
    return 0;
  }
  const configFile = values.config ?? process.env.CREWDESK_CONFIG ?? (existsSync('crewdesk.yaml') ? 'crewdesk.yaml' : undefined);
  const config = configFile === undefined ? null : loadConfigFile(configFile);
  const url = values.redis ?? researchRedisUrl(config?.research);
  if (!url) throw new UsageError('no Redis to take jobs from: give --redis URL, set REDIS_URL, or research.redis in the config');
  if (values.id !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(values.id))
    throw new UsageError(`--id: "${values.id}" must be letters, digits, ".", "_" or "-"`);
  const lockMs = numberFlag(values['lock-ms'], 'lock-ms', (n) => Number.isInteger(n) && n >= 1000 && n <= 600_000);

  if (values.list === true) return listWorkers(url, values.prefix ?? config?.research?.prefix ?? 'crewdesk');
  const { QueueWorker } = await import('../research/queue-worker.ts');
  const { showUrl } = await import('../research/queue-names.ts');
  const say = (line: string) => process.stdout.write(`crewdesk worker: ${line}\n`);
  const worker = new QueueWorker({
    url,
    prefix: values.prefix ?? config?.research?.prefix ?? 'crewdesk',
    dataDirs: values.data ?? [config?.replay.data ?? 'data/candles'],
    cacheDir: values.cache ?? 'data/research-cache',
    crewDirs: values['crew-dir'] ?? config?.crewDirs ?? [],
    ...(values.id !== undefined ? { id: values.id } : {}),
    ...(lockMs !== undefined ? { lockMs } : {}),
    log: say,
  });
  await worker.start();
  say(`${worker.id} (code ${worker.code.slice(0, 12)}) takes research jobs from ${showUrl(url)}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  say(`${worker.id} stopping (a run under way is finished first)`);
  await worker.stop();
  return 0;
}

/** `crewdesk worker --list`: the workers the queue knows, one line each. */
async function listWorkers(url: string, prefix: string): Promise<number> {
  const { QueueResearch } = await import('../research/queue-backend.ts');
  const research = await QueueResearch.connect({ url, prefix });
  try {
    const workers = await research.workers();
    if (workers.length === 0) process.stdout.write(`no research workers on ${research.url} (prefix ${prefix})\n`);
    for (const w of workers) {
      const code = w.sameCode ? 'same code' : `OTHER code ${w.code.slice(0, 12)} (refuses this checkout's jobs)`;
      const doing = w.status === 'busy' && w.job !== null ? ` on ${w.job}` : '';
      const seen = Math.round((Date.now() - w.seenAt) / 1000);
      process.stdout.write(`${w.id.padEnd(24)} ${w.status.padEnd(5)}${doing}  ${w.jobsDone} jobs done  ${w.host} pid ${w.pid}  ${code}  seen ${seen} s ago\n`);
    }
    return 0;
  } finally {
    await research.close();
  }
}
