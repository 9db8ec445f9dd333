// `crewdesk start`: the main job. Opens the journal, picks the venue for the mode (paper on
// Binance's live market data, falling back — loudly — to a local replay when Binance cannot be
// reached; testnet; live after its checks), recovers, then runs the desk with the chat (Discord
// when DISCORD_TOKEN is set, else the console) until a signal or --exit-after. On exit it prints
// a summary per crew and stops cleanly, with nothing half-written.
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline/promises';
import { ConsoleNotifier } from '../console/console-notifier.ts';
import { Desk } from '../desk/desk.ts';
import { DeskBacktester } from '../desk/desk-backtester.ts';
import { type MarketSource, MarketSession } from '../desk/market-session.ts';
import { startConsole, type ConsoleHandle } from '../chat/console.ts';
import type { ChatServices } from '../chat/services.ts';
import { loadConfigFile, loadEnv } from '../config/load.ts';
import { loadDiscordSettings } from '../config/discord.ts';
import type { Config } from '../config/schema.ts';
import type { SymbolFilters } from '../core/domain.ts';
import { defaultFilters } from '../core/filters.ts';
import { toText } from '../core/money.ts';
import { BinanceExchange } from '../exchange/binance/binance-exchange.ts';
import { binanceEndpoints, checkLiveKeys, probeReachable } from '../exchange/binance/modes.ts';
import { PaperExchange } from '../exchange/paper/paper-exchange.ts';
import { SqliteJournal } from '../journal/sqlite-journal.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { ManagerScheduler, ManagerService } from '../manager/index.ts';
import { BinanceMarketData } from '../market/binance-market-data.ts';
import { chooseReplayMarket } from '../market/choose-replay.ts';
import { FileMarketData } from '../market/file-market-data.ts';
import { PacedMarketData, type ReplayBackpressure } from '../market/replay.ts';
import { type Clock, ManualClock, wallClock } from '../ports/clock.ts';
import type { Exchange } from '../ports/exchange.ts';
import type { Journal } from '../ports/journal.ts';
import type { MarketData } from '../ports/market-data.ts';
import { DeskService } from '../services/desk-service.ts';
import { HealthMonitor } from '../services/health-monitor.ts';
import { type ChosenBackend, researchBackend } from '../research/backends.ts';
import { DeskResearch } from '../research/desk-research.ts';
import { apiTokensFrom } from '../config/api.ts';
import { numberFlag, parseFlags, UsageError } from './args.ts';
import { formatSummary } from './summary.ts';

export const EXAMPLE_CONFIG = 'crewdesk.example.yaml';
export const PAPER_BALANCES_SETTING = 'paper.balances';

export function resolveConfigPath(flag: string | undefined, envValue: string | undefined): { path: string; why: string } {
  if (flag) return { path: resolve(flag), why: '--config' };
  if (envValue) return { path: resolve(envValue), why: 'CREWDESK_CONFIG' };
  if (existsSync('crewdesk.yaml')) return { path: resolve('crewdesk.yaml'), why: 'crewdesk.yaml' };
  return { path: resolve(EXAMPLE_CONFIG), why: 'no crewdesk.yaml: using the example config' };
}

/** Where orders go and where candles come from, for one run. */
interface Venue {
  readonly exchange: Exchange;
  readonly clock: Clock;
  /** Live market data (Binance), or null: the desk replays local candles. */
  readonly live: MarketData | null;
  readonly description: string;
  /** The paper exchange: the desk's venue in paper mode, beside the exchange otherwise (crews on `venue: paper`).
   * Paper's balances are the journal's between runs (the venue lives in this process). */
  readonly paper: PaperExchange;
}

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    config: { type: 'string' },
    'exit-after': { type: 'string' },
    speed: { type: 'string' },
    journal: { type: 'string' },
    'confirm-live': { type: 'boolean' },
    offline: { type: 'boolean' },
  });
  const exitAfter = numberFlag(values['exit-after'], 'exit-after', (n) => n > 0);
  const env = loadEnv();
  const { path: configPath, why } = resolveConfigPath(values.config, env.CREWDESK_CONFIG);
  const config: Config = loadConfigFile(configPath);
  // Discord when DISCORD_TOKEN is set (a malformed variable fails here, before anything opens), else the console.
  const discordSettings = loadDiscordSettings(process.env, config.discord);
  const speed = numberFlag(values.speed, 'speed', (n) => n > 0) ?? config.replay.speed;
  const journalFile = values.journal ?? config.journal;
  // Log lines go to a file, so the console's output (stdout, maybe piped) holds no JSON and says nothing twice.
  const logFile = env.LOG_FILE ?? (journalFile === ':memory:' ? '-' : join(dirname(resolve(journalFile)), 'crewdesk.log'));
  const log = createLogger({ ...(env.LOG_LEVEL ? { level: env.LOG_LEVEL } : {}), ...(logFile !== '-' ? { file: logFile } : {}) });
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  // A signal stops the desk cleanly from here on, wherever start-up is: what is opening finishes
  // opening, trading sees the abort before its first candle, and everything closes as on any stop.
  // (Installed later, a SIGTERM in the gap killed the process outright, the journal's lock left behind.)
  const controller = new AbortController();
  const stop = (why: string) => {
    if (controller.signal.aborted) return;
    say(`crewdesk: stopping (${why})…`);
    controller.abort();
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  const releaseSignals = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  say(`crewdesk: config ${configPath} (${why}); mode ${config.mode}; log lines go to ${logFile === '-' ? 'stderr' : logFile}`);

  if (journalFile !== ':memory:') mkdirSync(dirname(resolve(journalFile)), { recursive: true });
  // Testnet and live replay an intent log an older crewdesk may have left beside the journal.
  let journal: SqliteJournal;
  try {
    journal = await SqliteJournal.open(journalFile, { intentLog: config.mode !== 'paper' });
  } catch (error) {
    releaseSignals();
    throw error;
  }
  const stale = journal.tookOverLockOf;
  if (stale) say(`crewdesk: took over the journal's lock from process ${stale.pid} on ${stale.host} (since ${stale.since}), which is no longer running`);
  let venue: Venue;
  try {
    venue = await openVenue(config, journal, log, say, { offline: values.offline === true, confirmLive: values['confirm-live'] === true });
  } catch (error) {
    releaseSignals();
    await journal.close();
    throw error;
  }

  // Notifier lines go through the console when it runs, so they never break the typed prompt.
  let print = say;
  let filtersOf: (symbol: string) => SymbolFilters | undefined = () => undefined;
  const notifier = new ConsoleNotifier((line) => print(line), undefined, {
    level: config.console.level,
    timeZone: config.console.timezone,
    foldMinutes: config.console.foldMinutes,
    filtersOf: (symbol) => filtersOf(symbol),
  });
  let desk: Desk;
  try {
    desk = await Desk.open({
      config,
      exchange: venue.exchange,
      ...(venue.paper !== venue.exchange ? { paperVenue: venue.paper } : {}),
      clock: venue.clock,
      log,
      journal,
      notifiers: [notifier],
    });
  } catch (error) {
    // Nothing half-open: a refusal (a crew instance the journal knows, whose module is gone) leaves the journal closed cleanly.
    releaseSignals();
    await venue.exchange.close?.();
    await journal.close();
    throw error;
  }
  filtersOf = (symbol) => [...desk.engine.crews.values()].find((c) => c.symbol === symbol)?.filters;
  for (const p of desk.problems) say(`crewdesk: crew module skipped: ${p.path}: ${p.reason}`);
  const subs = desk.engine.subscriptions();
  if (subs.length === 0) {
    say('crewdesk: no crew instance could be started (see the messages above).');
    releaseSignals();
    await desk.close();
    return 1;
  }
  // Orders a killed run made durable but never committed: restored before reconciliation asked the exchange about them.
  const replay = journal.intentReplay;
  if (replay.inserted.length > 0 || replay.skipped.length > 0) {
    say(
      `crewdesk: write-ahead intent log replayed: ${replay.inserted.length} order(s) restored (${replay.inserted.join(', ') || 'none'})${replay.skipped.length ? `; not replayed: ${replay.skipped.join('; ')}` : ''}`,
    );
  }
  const r = desk.reconciliation;
  if (r && (r.settled.length || r.adopted.length || r.fillsApplied || r.foreign.length || r.drift.length)) {
    say(
      `crewdesk: restart reconciliation: ${r.settled.length} open order(s) settled, ${r.fillsApplied} missed fill(s) applied, ${r.adopted.length} adopted, ${r.foreign.length} foreign order(s) left alone${r.drift.length ? `; BALANCE DRIFT: ${r.drift.join('; ')} — crews paused until you /resume them` : ''}`,
    );
  }

  let source: MarketSource;
  // A warm-up the exchange refuses or a candle file that cannot be read closes what start-up opened.
  try {
    if (venue.live) {
      const live = venue.live;
      const fed = await desk.engine.warmUp(live, venue.clock.now());
      source = liveSource(live);
      say(`crewdesk: ${venue.description}; crews warmed up on ${fed} historical candle(s)`);
    } else {
      // A replay continues after the last moment the journal saw, so a restart never replays the same candles.
      const resumeAfter = (await journal.getEquity('total')).at(-1)?.at;
      const replay = await chooseReplayMarket(config.replay, subs, resumeAfter);
      source = replaySource(replay, config.replay.data, speed, {
        // Faster than the desk can follow: hold while notifiers or the console's output are backed up.
        overBound: () => desk.bus.backlog > REPLAY_BACKLOG_FACTS || process.stdout.writableLength > REPLAY_BACKLOG_BYTES,
        drain: async () => journal.flush(),
        onLag: (lag) =>
          print(
            lag.phase === 'began'
              ? `crewdesk: the replay lags — the desk cannot keep up with ${lag.speed}× (${(lag.behindMs / 1000).toFixed(1)} s behind; about ${lag.keptSpeed}× kept); candles now come as fast as the desk takes them`
              : `crewdesk: the replay has caught up with ${lag.speed}×`,
          ),
      });
      say(`crewdesk: ${venue.description} on ${replay.description}, at ${speed}× speed`);
    }
  } catch (error) {
    releaseSignals();
    await desk.close();
    throw error;
  }
  // Crews spawned at run time subscribe through the session (or are refused with the reason).
  const session = new MarketSession(desk.engine, source, () => venue.clock.now());
  desk.market = session;
  say(`crewdesk: journal ${journalFile}; halt: ${desk.engine.halt.level}; crews: ${[...desk.engine.crews.keys()].join(', ')}`);

  const deskService = new DeskService(desk, { mode: venue.live || config.mode === 'paper' ? config.mode : `${config.mode}` });
  // /backtest and the manager's run_backtest: one runner, the real backtester on the desk's candle folder, in worker threads.
  const backtester = new DeskBacktester({
    data: [config.replay.data],
    crewDirs: config.crewDirs,
    feeBps: config.paper.feeBps,
    slippageBps: config.paper.slippageBps,
  });
  // Trading starts now, reconciled: loading the manager (langchain) and the chat takes seconds that
  // no candle should wait for. Until the console is ready, Ctrl-C and SIGTERM stop the desk.
  const running = session.run(controller.signal);
  running.catch(() => {}); // awaited below; a failure before then is not unhandled
  let manager: ManagerService | undefined;
  let research: { backend: ChosenBackend; service: DeskResearch } | undefined;
  let scheduler: ManagerScheduler | undefined;
  let chat: { close(): Promise<void> } | undefined;
  let api: { close(): Promise<void> } | undefined;
  let forged: Awaited<ReturnType<typeof import('../forge/wire.ts')['createForge']>> | null = null;
  // The process's own health: /status shows it, /metrics exports it, and crossing a line the api
  // section sets alerts the owner (an error fact from source "health": the console and Discord's alerts say it).
  const health = new HealthMonitor(config.api?.alerts ?? { eventLoopLagMs: Number.POSITIVE_INFINITY, rssMb: Number.POSITIVE_INFINITY });
  health.onAlert((alert) => desk.bus.publish({ type: 'error', source: 'health', message: alert.message, at: venue.clock.now() }));
  const timer = exitAfter ? setTimeout(() => stop(`--exit-after ${exitAfter}s`), exitAfter * 1000) : null;
  const filtersTimer = venue.live ? setInterval(() => void desk.engine.refreshFilters(), 3_600_000) : null;
  filtersTimer?.unref();
  try {
    research = await startResearch(config, journal, deskService, say);
    manager = await ManagerService.create({ service: deskService, config: config.manager, log, backtest: backtester });
    // The daily report goes out whenever reporting is on; a model only adds its commentary.
    scheduler = new ManagerScheduler(manager, config.manager, log);
    scheduler.start();
    manager.subscribe((event) => {
      if (event.type === 'alert') print(`manager alert [${event.kind}] ${event.message}`);
      else if (event.type === 'report') print(`daily report\n${event.report.text}`);
      else if (event.type === 'proposal') print(`manager proposes (${event.proposal.id}): ${event.proposal.summary} — /proposal approve ${event.proposal.id}`);
    });
    // The forge loads the TypeScript compiler: only when configured.
    forged = config.forge
      ? (await import('../forge/wire.ts')).createForge({ config, desk, deskService, manager, prove: research?.backend.prove ?? null })
      : null;
    if (forged?.forge === null) say(`crewdesk: the forge is off: ${forged.reason}`);
    else if (forged?.warning) say(`crewdesk: ${forged.warning}`);
    if (forged?.forge && research?.backend.prove) say(`crewdesk: forge proofs go to the research ${research.backend.description}`);
    const services: ChatServices = {
      desk: deskService,
      manager,
      backtest: backtester,
      health,
      ...(research ? { research: research.service } : {}),
      ...(forged?.forge ? { forge: forged.forge } : {}),
    };
    if (config.api) api = await startHttpApi(config.api, services, desk, venue, health, say, log);
    if (discordSettings) {
      const { startDiscord } = await import('../discord/bot.ts');
      const { postManagerEvents } = await import('../discord/manager-events.ts');
      const discord = await startDiscord({ services, config: discordSettings, bus: desk.bus, log });
      manager.subscribe(postManagerEvents(discord));
      say(`crewdesk: Discord connected as ${discord.client.user?.tag ?? 'the bot'}; the console is off.`);
      chat = discord;
    } else {
      const consoleChat: ConsoleHandle = await startConsole({ services, input: process.stdin, output: process.stdout, log, onInterrupt: () => stop('Ctrl-C') });
      print = consoleChat.print;
      chat = consoleChat;
    }
    await running;
    if (!controller.signal.aborted) say('crewdesk: the market data ended.');
  } finally {
    if (timer) clearTimeout(timer);
    if (filtersTimer) clearInterval(filtersTimer);
    releaseSignals();
    controller.abort(); // a start-up that failed stops the trading it let begin
    await running.catch(() => {});
    await scheduler?.stop();
    await api?.close();
    health.close();
    await chat?.close();
    await backtester.close();
    research?.service.close();
    await research?.backend.close();
    if (forged?.forge) await forged.close();
    await manager?.close();
    print = say;
    await desk.engine.stop();
    {
      const balances = Object.fromEntries((await venue.paper.balances()).map((b) => [b.asset, toText(b.free.plus(b.locked))]));
      await journal.setSetting(PAPER_BALANCES_SETTING, balances, null);
    }
    await desk.close();
  }
  notifier.flush();
  say(formatSummary(desk.engine.summaries()));
  return 0;
}

/**
 * The research back end, built once for the desk's life: its own warm thread pool by default, the
 * BullMQ queue when a Redis URL is configured. A queue that cannot be reached leaves /research off
 * (said why); trading never waits for it.
 */
async function startResearch(
  config: Config,
  journal: Journal,
  deskService: DeskService,
  say: (text: string) => void,
): Promise<{ backend: ChosenBackend; service: DeskResearch } | undefined> {
  let service: DeskResearch | undefined;
  let backend: ChosenBackend;
  try {
    backend = await researchBackend(config.research, {
      ownPool: true,
      onStatus: (text) => {
        say(`crewdesk research: ${text}`);
        service?.status(text);
      },
    });
  } catch (error) {
    say(`crewdesk: research is off (/research): ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  service = new DeskResearch({
    research: backend,
    data: [config.replay.data],
    crewDirs: config.crewDirs,
    feeBps: config.paper.feeBps,
    slippageBps: config.paper.slippageBps,
    // One core stays the trading thread's.
    workers: Math.max(1, availableParallelism() - 1),
    journal,
    audit: (actor, action, detail) => deskService.audit(actor, action, detail),
  });
  if (backend.description.startsWith('queue')) say(`crewdesk: research sweeps go to the ${backend.description}`);
  return { backend, service };
}

/** The HTTP API and the dashboard (fastify loads only when configured); prints where, and how to sign in. */
async function startHttpApi(
  config: NonNullable<Config['api']>,
  services: ChatServices,
  desk: Desk,
  venue: Venue,
  health: HealthMonitor,
  say: (line: string) => void,
  log: Logger,
): Promise<{ close(): Promise<void> }> {
  const { startDeskApi } = await import('../api/wire.ts');
  const { secretsFromEnv } = await import('../api/secrets.ts');
  const tokens = apiTokensFrom(process.env);
  const exchange = venue.exchange;
  const api = await startDeskApi({
    config,
    tokens,
    services,
    desk,
    health,
    rateUsage: () => (exchange instanceof BinanceExchange ? exchange.rest.usage : null),
    webDir: WEB_DIR,
    log,
    secrets: secretsFromEnv(process.env),
  });
  const url = api.server.url;
  const token = tokens.change ?? tokens.read;
  say(`crewdesk: API and dashboard on ${url}${token ? ` (sign in: ${url}#token=${encodeURIComponent(token)})` : ''}`);
  if (!token)
    say(
      "crewdesk: the API has no token, so it refuses every request but the dashboard's files: set CREWDESK_API_TOKEN (read and change) or CREWDESK_API_READ_TOKEN (read only) and restart",
    );
  return api;
}

/** The dashboard's static files, beside src/ in the package. */
const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));

/** Facts waiting for the notifiers, and bytes of console output not yet written, past which a lagging replay waits. */
const REPLAY_BACKLOG_FACTS = 5_000;
const REPLAY_BACKLOG_BYTES = 1 << 20;

async function openVenue(
  config: Config,
  journal: Journal,
  log: Logger,
  say: (line: string) => void,
  flags: { offline: boolean; confirmLive: boolean },
): Promise<Venue> {
  const endpoints = binanceEndpoints(config.mode, stripUndefined(config.binance));
  if (config.mode === 'paper') {
    const reach = flags.offline ? { ok: false as const, reason: '--offline' } : await probeReachable(endpoints.restUrl, 3000);
    const live = reach.ok;
    const clock = live ? wallClock : new ManualClock(0);
    const paper = await paperVenue(config, journal, clock);
    if (live) {
      return {
        exchange: paper,
        clock,
        live: new BinanceMarketData({ restUrl: endpoints.restUrl, wsStreamUrl: endpoints.wsStreamUrl, log }),
        description: `paper trading on Binance's live market data (${endpoints.restUrl})`,
        paper,
      };
    }
    say(`crewdesk: Binance cannot be reached (${reach.reason}). Paper trading continues on a LOCAL REPLAY instead — not live prices.`);
    return { exchange: paper, clock, live: null, description: 'paper trading (local replay, Binance not connected)', paper };
  }

  // testnet and live: real orders. Never a silent fallback.
  const apiKey = process.env.BINANCE_API_KEY;
  const apiSecret = process.env.BINANCE_API_SECRET;
  if (!apiKey || !apiSecret)
    throw new UsageError(
      `mode ${config.mode} needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment (${config.mode === 'testnet' ? 'Spot testnet keys' : 'keys without withdrawal permission'})`,
    );
  const reach = await probeReachable(endpoints.restUrl, 5000);
  if (!reach.ok) throw new UsageError(`mode ${config.mode}: Binance cannot be reached (${reach.reason}); not starting. Check the network, or use mode: paper`);
  const exchange = await BinanceExchange.connect({ endpoints, apiKey, apiSecret, log });
  if (config.mode === 'live') {
    try {
      await checkLiveKeys(exchange);
      if (!flags.confirmLive && !(await confirmLiveOnTty())) {
        throw new UsageError('live trading needs the owner’s confirmation: run with --confirm-live, or answer LIVE at the prompt');
      }
    } catch (error) {
      await exchange.close();
      throw error;
    }
  }
  const market = new BinanceMarketData({ restUrl: endpoints.restUrl, wsStreamUrl: endpoints.wsStreamUrl, rest: exchange.rest, log });
  return {
    exchange,
    clock: wallClock,
    live: market,
    description: `${config.mode === 'live' ? 'LIVE trading with real money' : 'Spot testnet trading'} (${endpoints.restUrl})`,
    // Beside the exchange, on the same market data: crews on `venue: paper` (candidates, demoted crews) trade here.
    paper: await paperVenue(config, journal, wallClock),
  };
}

/** The in-process paper exchange, with the balances it ended the last run with (or the config's). */
async function paperVenue(config: Config, journal: Journal, clock: Clock): Promise<PaperExchange> {
  const savedBalances = await journal.getSetting<Record<string, string>>(PAPER_BALANCES_SETTING);
  return new PaperExchange({
    balances: savedBalances ?? config.paper.balances,
    // Trade ids continue across runs: (symbol, trade id) stays unique in the journal.
    startSequence: Date.now(),
    feeBps: config.paper.feeBps,
    slippageBps: config.paper.slippageBps,
    filters: (symbol) => defaultFilters(symbol),
    clock,
  });
}

/** Binance's klines: every symbol the exchange lists (the crew's build checks it), each stream going on where it was. */
function liveSource(live: MarketData): MarketSource {
  return {
    description: live.description,
    open: async () => live,
    refusal: async () => null,
    ...(live.history ? { history: live.history.bind(live) } : {}),
  };
}

/** A local replay: candle files serve what they hold, going on after the last candle delivered; the synthetic market only what it started with. */
function replaySource(first: MarketData, folder: string, speed: number, backpressure: ReplayBackpressure): MarketSource {
  let opened = false;
  const files = first instanceof FileMarketData ? first : null;
  return {
    description: first.description,
    open: async (_subscriptions, after) => {
      if (!opened || !files || after === undefined) {
        opened = true;
        return new PacedMarketData(first, speed, backpressure);
      }
      return new PacedMarketData(await FileMarketData.open([folder], { from: after + 1 }), speed, backpressure);
    },
    refusal: async (s) => {
      if (!files)
        return `the local replay is a synthetic market and serves only the markets it started with; add the crew to the config and restart to trade ${s.symbol} ${s.interval}`;
      return files.covers(s)
        ? null
        : `the local replay has no candle files for ${s.symbol} ${s.interval} in ${folder} (crewdesk data download ${s.symbol} ${s.interval} FROM TO fetches them)`;
    },
    ...(files ? { history: files.history.bind(files) } : {}),
  };
}

async function confirmLiveOnTty(): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question('crewdesk: this trades REAL money on Binance. Type LIVE to continue: ');
    return answer.trim() === 'LIVE';
  } finally {
    rl.close();
  }
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
