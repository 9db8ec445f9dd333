// `crewdesk start`: the main job. Runs the desk until a signal or --exit-after, then prints a
// summary per crew and stops cleanly (journal flushed and closed, nothing half-written).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SqliteJournal } from '../journal/sqlite-journal.ts';
import { toText } from '../core/money.ts';
import { ConsoleNotifier } from '../app/console-notifier.ts';
import { Desk } from '../app/desk.ts';
import { loadConfigFile, loadEnv } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { defaultFilters } from '../core/filters.ts';
import { PaperExchange } from '../exchange/paper/paper-exchange.ts';
import { createLogger } from '../log/logger.ts';
import { chooseReplayMarket } from '../market/choose-replay.ts';
import { PacedMarketData } from '../market/replay.ts';
import { ManualClock } from '../ports/clock.ts';
import { numberFlag, parseFlags } from './args.ts';
import { formatSummary } from './summary.ts';
import { startConsole, type ConsoleHandle } from '../chat/console.ts';
import type { ChatServices } from '../chat/services.ts';
import { DeskService } from '../services/desk-service.ts';

export const EXAMPLE_CONFIG = 'crewdesk.example.yaml';
export const PAPER_BALANCES_SETTING = 'paper.balances';

export function resolveConfigPath(flag: string | undefined, envValue: string | undefined): { path: string; why: string } {
  if (flag) return { path: resolve(flag), why: '--config' };
  if (envValue) return { path: resolve(envValue), why: 'CREWDESK_CONFIG' };
  if (existsSync('crewdesk.yaml')) return { path: resolve('crewdesk.yaml'), why: 'crewdesk.yaml' };
  return { path: resolve(EXAMPLE_CONFIG), why: 'no crewdesk.yaml: using the example config' };
}

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    config: { type: 'string' },
    'exit-after': { type: 'string' },
    speed: { type: 'string' },
    journal: { type: 'string' },
  });
  const exitAfter = numberFlag(values['exit-after'], 'exit-after', (n) => n > 0);
  const env = loadEnv();
  const { path: configPath, why } = resolveConfigPath(values.config, env.CREWDESK_CONFIG);
  const config: Config = loadConfigFile(configPath);
  const speed = numberFlag(values.speed, 'speed', (n) => n > 0) ?? config.replay.speed;
  const log = createLogger(env.LOG_LEVEL ? { level: env.LOG_LEVEL } : {});
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };

  say(`crewdesk: config ${configPath} (${why})`);
  if (config.mode !== 'paper') {
    say(`crewdesk: mode "${config.mode}" needs the Binance adapter, which this build does not have yet; running local paper trading instead.`);
  }
  const clock = new ManualClock(0);
  const journalFile = values.journal ?? config.journal;
  mkdirSync(dirname(resolve(journalFile)), { recursive: true });
  const journal = await SqliteJournal.open(journalFile);
  // The paper venue lives in this process: its balances are kept in the journal between runs.
  const savedBalances = await journal.getSetting<Record<string, string>>(PAPER_BALANCES_SETTING);
  const exchange = new PaperExchange({
    balances: savedBalances ?? config.paper.balances,
    startSequence: Date.now(),
    feeBps: config.paper.feeBps,
    slippageBps: config.paper.slippageBps,
    filters: (symbol) => defaultFilters(symbol),
    clock,
  });
  // Notifier lines go through the console when it runs, so they never break the typed prompt.
  let print = say;
  const desk = await Desk.open({ config, exchange, clock, log, journal, notifiers: [new ConsoleNotifier((line) => print(line))] });
  for (const p of desk.problems) say(`crewdesk: crew module skipped: ${p.path}: ${p.reason}`);
  const subs = desk.engine.subscriptions();
  if (subs.length === 0) {
    say('crewdesk: no crew instance could be started (see the messages above).');
    await desk.close();
    return 1;
  }
  // A replay continues after the last moment the journal saw, so a restart never replays the same candles.
  const resumeAfter = (await journal.getEquity('total')).at(-1)?.at;
  const market = await chooseReplayMarket(config.replay, subs, resumeAfter);
  say(`crewdesk: paper trading (local replay, Binance not connected) on ${market.description}, at ${speed}× speed`);
  say(`crewdesk: journal ${journalFile}; halt state: ${desk.engine.halt.level}; crews: ${[...desk.engine.crews.keys()].join(', ')}`);

  const controller = new AbortController();
  const stop = (why: string) => {
    if (controller.signal.aborted) return;
    say(`crewdesk: stopping (${why})…`);
    controller.abort();
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The console: the same commands as Discord, typed as /status, /halt flatten, … and free text to the manager.
  const services: ChatServices = { desk: new DeskService(desk, { mode: 'paper' }) };
  const chat: ConsoleHandle = await startConsole({ services, input: process.stdin, output: process.stdout, log, onInterrupt: () => stop('Ctrl-C') });
  print = chat.print;
  const timer = exitAfter ? setTimeout(() => stop(`--exit-after ${exitAfter}s`), exitAfter * 1000) : null;
  try {
    await desk.engine.run(new PacedMarketData(market, speed), controller.signal);
    if (!controller.signal.aborted) say('crewdesk: the replay reached the end of its data.');
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await chat.close();
    print = say;
    await desk.engine.stop();
    const balances = Object.fromEntries((await exchange.balances()).map((b) => [b.asset, toText(b.free.plus(b.locked))]));
    await journal.setSetting(PAPER_BALANCES_SETTING, balances, null);
    await desk.close();
  }
  say(formatSummary(desk.engine.summaries()));
  return 0;
}
