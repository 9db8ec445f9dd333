// The composition root: builds a trading desk — journal, crews, risk gate, engine — from the
// config, around an injected exchange and clock. Start-up is recovery: the halt, each crew's
// params, state, sequence and book come back from the journal before the first candle.
import type { Candle, Interval, SymbolFilters, VenueName } from '../core/domain.ts';
import { EventBus } from '../core/events.ts';
import { type Decimal, dec, RoundingMode, toText } from '../core/money.ts';
import { crewDirectories, loadCrews } from '../crew/loader.ts';
import { type AnyCrewDefinition, parseParams } from '../crew/template.ts';
import { CrewBook } from '../engine/crew-book.ts';
import { CrewRuntime, Engine } from '../engine/engine.ts';
import { reconcile, type ReconcileReport } from '../engine/reconcile.ts';
import { Venues } from '../engine/venues.ts';
import { recordFactsInJournal } from '../journal/fact-writer.ts';
import { SqliteJournal } from '../journal/sqlite-journal.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { Exchange } from '../ports/exchange.ts';
import type { CrewInstanceRecord, Journal } from '../ports/journal.ts';
import type { Notifier } from '../ports/notifier.ts';
import { RiskGate } from '../risk/gate.ts';
import { type RiskLimits, riskLimitsSchema } from '../risk/limits.ts';
import type { Config, CrewInstanceConfig, TeamConfig } from '../config/schema.ts';
import { ConfigError } from '../config/errors.ts';
import type { CrewLoadProblem } from '../crew/loader.ts';

export interface DeskOptions {
  readonly config: Config;
  readonly exchange: Exchange;
  /** The paper exchange beside a testnet or live desk's exchange, for crews on `venue: paper`; absent: the desk's exchange serves both names (a paper desk, a backtest). */
  readonly paperVenue?: Exchange;
  readonly clock: Clock;
  readonly log: Logger;
  /** Journal file (default: config.journal); ':memory:' for throwaway runs. */
  readonly journalFile?: string;
  /** An already-open journal (tests, benchmarks) instead of a file. */
  readonly journal?: Journal;
  readonly notifiers?: readonly Notifier[];
  readonly feeBps?: number;
  readonly onEquity?: (time: number, totalEquity: number, inMarket: boolean) => void;
  /** Crew modules already loaded (from crews/ and the config's crewDirs): backtests and sweeps open many desks. */
  readonly catalog?: Awaited<ReturnType<typeof loadCrews>>;
}

export const RISK_LIMITS_SETTING = 'risk.limits';
export const SPAWNED_CREWS_SETTING = 'crews.spawned';

interface SpawnedCrew {
  readonly team: string;
  readonly crew: CrewInstanceConfig;
}

function teamCapitalKey(team: string): string {
  return `team.${team}.capital`;
}

/** The running desk's market, as a spawn sees it (market-session.ts): whether a crew's candles can come, and its joining. */
export interface SpawnMarket {
  /** Null when candles of `subscription` can be delivered; else why not. */
  refusal(subscription: { readonly symbol: string; readonly interval: Interval }): Promise<string | null>;
  /** The crew is in the engine: warm it up and subscribe its candles. */
  joined(crew: CrewRuntime): Promise<number>;
  /** The last `limit` closed candles of `subscription` up to the desk's time, oldest first; null when the source keeps no history (the synthetic market). */
  recent?(subscription: { readonly symbol: string; readonly interval: Interval }, limit: number): Promise<readonly Candle[] | null>;
  /** The close time of the last candle the desk took, or undefined before the first (a replay's time, or an emulator playing ahead of the wall clock). */
  lastClose?(): number | undefined;
  /** Closed candles before `before`, oldest first (absent: the source keeps none, e.g. a synthetic replay). */
  history?(subscription: { readonly symbol: string; readonly interval: Interval }, limit: number, before: number): Promise<readonly Candle[]>;
}

export class Desk {
  /** What start-up recovery found and did. */
  reconciliation: ReconcileReport | null = null;
  /** The paper venue's start-up (its resting orders expire: it lives in this process), when the desk runs two venues. */
  paperReconciliation: ReconcileReport | null = null;
  /** Set by `crewdesk start` once the market runs: a spawned crew subscribes through it, or is refused. Absent (tests, backtests): crews join the engine only. */
  market: SpawnMarket | null = null;

  private constructor(
    readonly config: Config,
    readonly engine: Engine,
    readonly journal: Journal,
    readonly bus: EventBus,
    readonly catalog: ReadonlyMap<string, AnyCrewDefinition>,
    readonly problems: readonly CrewLoadProblem[],
    readonly exchange: Exchange,
    readonly venues: Venues,
    readonly clock: Clock,
    private readonly log: Logger,
    /** Team capital by name: the engine reads this same map. */
    readonly teams: Map<string, Decimal>,
  ) {}

  static async open(options: DeskOptions): Promise<Desk> {
    const { config, exchange, clock, log } = options;
    const journal = options.journal ?? (await SqliteJournal.open(options.journalFile ?? config.journal, { intentLog: exchange.inProcess !== true }));
    const bus = new EventBus((subscriber, event, error) =>
      log.error({ subscriber, event: event.type, err: error instanceof Error ? error.message : String(error) }, 'event subscriber failed'),
    );
    // The journal hears of each fact first, in the step that publishes it: a fact any subscriber sees is journaled.
    recordFactsInJournal(bus, journal, { now: () => clock.now() });
    // Notifiers hear of each fact after the step that made it: an order decided in that step is
    // sent first, whatever a notifier prints or queues.
    for (const notifier of options.notifiers ?? []) {
      bus.subscribe(notifier.name, (event) => notifier.notify(event), notifier.types, { deferred: true });
    }
    // Trouble with the venue (bans, rate limits, clock faults, rejected orders) is a fact for the owner.
    exchange.onTrouble?.((fact) => bus.publish(fact));
    const venues = new Venues(exchange, options.paperVenue ?? exchange);
    const { crews: catalog, problems } = options.catalog ?? (await loadCrews(crewDirectories(config.crewDirs)));
    for (const p of problems) log.warn({ path: p.path }, `crew module skipped: ${p.reason}`);

    const storedLimits = await journal.getSetting<unknown>(RISK_LIMITS_SETTING);
    const limits = mergeLimits(config.risk, storedLimits, log);
    const feeBps = options.feeBps ?? config.paper.feeBps;
    const gate = new RiskGate(limits, feeBps);
    const teams = new Map<string, Decimal>();
    for (const t of config.teams) {
      const override = await journal.getSetting<string>(teamCapitalKey(t.name));
      teams.set(t.name, dec(override ?? t.capital));
    }
    const engine = new Engine({
      clock,
      venues,
      journal,
      bus,
      gate,
      log,
      feeBps,
      teams,
      equitySnapshotMs: config.equitySnapshotMinutes * 60_000,
      stops: config.stops,
      ...(options.onEquity ? { onEquity: options.onEquity } : {}),
    });
    await engine.start();

    const desk = new Desk(config, engine, journal, bus, catalog, problems, exchange, venues, clock, log, teams);
    // Refusing to start leaves nothing open that this call opened (a journal passed in is the caller's).
    const refuse = async (): Promise<void> => {
      await engine.stop();
      if (!options.journal) await journal.close();
    };
    const records = new Map((await journal.getCrewInstances()).map((r) => [r.id, r]));
    const positions = new Map((await journal.getPositions()).map((p) => [p.crewId, p]));
    for (const team of config.teams) {
      for (const crewConfig of team.crews) {
        if (!crewConfig.enabled) continue;
        const definition = catalog.get(crewConfig.crew);
        if (!definition) {
          const known = [...catalog.keys()].join(', ');
          const held = holdings(records.get(crewConfig.id), positions.get(crewConfig.id));
          if (held) {
            await refuse();
            throw new ConfigError(
              `crew instance "${crewConfig.id}" (team ${team.name}) names crew module "${crewConfig.crew}", which is not loaded (loaded: ${known}); ` +
                `the journal holds ${held} for it, and its exits would stop protecting it. Not starting: fix the module name in the config ` +
                `(or restore the module), or close the position and then set enabled: false for it.`,
            );
          }
          log.error({ crew: crewConfig.id }, `crew instance "${crewConfig.id}" skipped: no crew module "${crewConfig.crew}" (loaded: ${known})`);
          continue;
        }
        const runtime = await desk.buildCrew(team, crewConfig, definition, records.get(crewConfig.id), positions.get(crewConfig.id));
        if (runtime) engine.addCrew(runtime);
      }
    }
    // Crews spawned at run time (by the owner or the manager) come back too.
    for (const spawned of (await journal.getSetting<SpawnedCrew[]>(SPAWNED_CREWS_SETTING)) ?? []) {
      const team = config.teams.find((t) => t.name === spawned.team);
      const definition = catalog.get(spawned.crew.crew);
      const held = holdings(records.get(spawned.crew.id), positions.get(spawned.crew.id));
      if ((!team || !definition) && held) {
        await refuse();
        throw new ConfigError(
          `spawned crew "${spawned.crew.id}" cannot be restored: ${!team ? `its team "${spawned.team}" is gone from the config` : `its crew module "${spawned.crew.crew}" is not loaded`}; ` +
            `the journal holds ${held} for it. Not starting: restore the ${!team ? 'team' : 'module'} so its exits keep protecting it.`,
        );
      }
      if (!team || !definition || engine.crews.has(spawned.crew.id)) {
        log.warn({ crew: spawned.crew.id }, `spawned crew "${spawned.crew.id}" not restored: its team or crew module is gone, or its id is taken`);
        continue;
      }
      const runtime = await desk.buildCrew(team, spawned.crew, definition, records.get(spawned.crew.id), positions.get(spawned.crew.id));
      if (runtime) engine.addCrew(runtime);
    }
    // A capital the owner edited in the config starts that crew's drawdown measure afresh (as /team allocate does).
    for (const crew of engine.crews.values()) {
      const stored = records.get(crew.id);
      if (stored && !dec(stored.capital).eq(crew.capital)) engine.capitalSetByOwner(crew.id);
    }
    // A config reload (edited capitals, crews added beside spawned ones) must not allocate capital that does not exist.
    const over = overAllocatedTeams(engine, teams);
    if (over.length > 0) {
      if (!options.journal) await journal.close();
      throw new Error(
        `the config allocates more capital than there is: ${over.join('; ')}. Lower a crew's capital in the config (or stop a spawned crew) and start again`,
      );
    }
    // Recovery before the first candle: open orders, missed fills, adopted orders, balance drift.
    // Two venues: each crew is checked against its own — only the exchange's crews against the exchange.
    desk.reconciliation = await reconcile(engine, journal, exchange, venues.separate ? { venue: 'exchange' } : {});
    if (venues.separate) desk.paperReconciliation = await reconcile(engine, journal, venues.paper, { venue: 'paper' });
    const r = desk.reconciliation;
    if (r.settled.length || r.adopted.length || r.foreign.length || r.drift.length || r.fillsApplied) {
      log.warn({ reconciliation: r }, 'restart reconciliation changed or found something');
    }
    return desk;
  }

  /**
   * Adds a crew instance at run time (validated like a config entry), persisted so it survives a restart.
   * Returns the error in words when it cannot be added.
   */
  /** Adds a crew module loaded while the desk runs (an approved forge draft): spawnable at once, no restart. */
  addCrewModule(definition: AnyCrewDefinition): { ok: true } | { ok: false; error: string } {
    if (this.catalog.has(definition.name)) return { ok: false, error: `crew module "${definition.name}" is loaded already` };
    (this.catalog as Map<string, AnyCrewDefinition>).set(definition.name, definition);
    return { ok: true };
  }

  async spawnCrew(
    teamName: string,
    crewConfig: CrewInstanceConfig,
    actor: string,
    via: string,
  ): Promise<{ ok: true; crew: CrewRuntime } | { ok: false; error: string }> {
    const team = this.config.teams.find((t) => t.name === teamName);
    if (!team) return { ok: false, error: `no team "${teamName}" (teams: ${this.config.teams.map((t) => t.name).join(', ')})` };
    if (this.engine.crews.has(crewConfig.id)) return { ok: false, error: `a crew instance "${crewConfig.id}" exists already` };
    const definition = this.catalog.get(crewConfig.crew);
    if (!definition) return { ok: false, error: `no crew module "${crewConfig.crew}" (known: ${[...this.catalog.keys()].join(', ')})` };
    if (!crewConfig.capital) return { ok: false, error: 'a spawned crew needs a capital amount' };
    const params = parseParams(definition, crewConfig.params);
    if (!params.ok) return { ok: false, error: `params: ${params.error}` };
    // Before anything is written: a crew that would never get a candle is refused, with the reason.
    const refusal = await this.market?.refusal({ symbol: crewConfig.symbol, interval: crewConfig.interval });
    if (refusal) return { ok: false, error: `no candles for ${crewConfig.symbol} ${crewConfig.interval}: ${refusal}` };
    const runtime = await this.buildCrew(team, crewConfig, definition, undefined, undefined);
    if (!runtime) return { ok: false, error: `crew "${crewConfig.id}" could not be built (symbol ${crewConfig.symbol} unknown to the exchange?)` };
    this.engine.addCrew(runtime);
    const spawned = (await this.journal.getSetting<SpawnedCrew[]>(SPAWNED_CREWS_SETTING)) ?? [];
    await this.journal.setSetting(SPAWNED_CREWS_SETTING, [...spawned, { team: teamName, crew: crewConfig }], {
      actor,
      via,
      action: 'crew.spawn',
      detail: {
        crew: crewConfig.id,
        module: crewConfig.crew,
        symbol: crewConfig.symbol,
        interval: crewConfig.interval,
        capital: crewConfig.capital,
        params: crewConfig.params,
      },
      at: this.clock.now(),
    });
    await this.market?.joined(runtime);
    return { ok: true, crew: runtime };
  }

  /** Sets a team's capital (persisted; the config's value is the starting point). */
  async setTeamCapital(team: string, capital: Decimal, actor: string, via: string): Promise<void> {
    this.teams.set(team, capital);
    await this.journal.setSetting(teamCapitalKey(team), toText(capital), {
      actor,
      via,
      action: 'team.capital',
      detail: { team, capital: toText(capital) },
      at: this.clock.now(),
    });
  }

  /** Builds one crew instance, restoring it from the journal; the config wins where the owner edited it. */
  private async buildCrew(
    team: TeamConfig,
    crewConfig: CrewInstanceConfig,
    definition: AnyCrewDefinition,
    stored: CrewInstanceRecord | undefined,
    storedPosition: Awaited<ReturnType<Journal['getPositions']>>[number] | undefined,
  ): Promise<CrewRuntime | null> {
    const { log, journal, clock } = this;
    const now = clock.now();
    // Crews without a capital share what the ones with one leave of the team's.
    const unnamed = team.crews.filter((c) => c.enabled && !c.capital);
    const named = team.crews.reduce((sum, c) => (c.enabled && c.capital ? sum.plus(dec(c.capital)) : sum), dec(0));
    const share = unnamed.length > 0 ? dec(team.capital).minus(named).div(unnamed.length).round(2, RoundingMode.down) : dec(0);
    const configCapital = crewConfig.capital ? dec(crewConfig.capital) : share;
    const fingerprint = JSON.stringify({
      params: crewConfig.params,
      capital: toText(configCapital),
      symbol: crewConfig.symbol,
      interval: crewConfig.interval,
      crew: crewConfig.crew,
      // Only when set: journals written before crews had venues keep their fingerprints.
      ...(crewConfig.venue ? { venue: crewConfig.venue } : {}),
    });
    const fingerprintKey = `crew.${crewConfig.id}.config`;
    const configChanged = stored !== undefined && (await journal.getSetting<string>(fingerprintKey)) !== fingerprint;

    // Params: from the journal (tuned at run time) unless the config file changed since; validated either way.
    const source = stored && !configChanged ? stored.params : crewConfig.params;
    let parsed = parseParams(definition, source);
    if (!parsed.ok && stored && !configChanged) {
      log.warn({ crew: crewConfig.id }, `stored params no longer valid (${parsed.error}); using the config's`);
      parsed = parseParams(definition, crewConfig.params);
    }
    if (!parsed.ok) {
      log.error({ crew: crewConfig.id }, `crew instance "${crewConfig.id}" skipped: params: ${parsed.error}`);
      return null;
    }
    const capital = stored && !configChanged ? dec(stored.capital) : configCapital;
    // The venue: the journal's (a promotion or demotion at run time) unless the config file changed since.
    let venue: VenueName = stored && !configChanged ? stored.venue : (crewConfig.venue ?? 'exchange');
    if (stored && venue !== stored.venue && storedPosition && storedPosition.quantity.gt(0)) {
      log.error(
        { crew: crewConfig.id },
        `crew instance "${crewConfig.id}" stays on ${stored.venue}: it holds ${toText(storedPosition.quantity)} ${crewConfig.symbol} there (move it with /crew promote or /crew demote)`,
      );
      venue = stored.venue;
    }
    const venueSince = stored && stored.venue === venue ? stored.venueSince : now;
    let filters: SymbolFilters;
    try {
      filters = await this.venues.of(venue).symbolFilters(crewConfig.symbol);
    } catch (error) {
      log.error(
        { crew: crewConfig.id },
        `crew instance "${crewConfig.id}" skipped: symbol ${crewConfig.symbol}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return null;
    }
    const base = filters.baseAsset;
    const quote = filters.quoteAsset;
    const book = storedPosition
      ? new CrewBook(crewConfig.id, crewConfig.symbol, base, quote, storedPosition)
      : CrewBook.flat(crewConfig.id, crewConfig.symbol, base, quote, capital);
    if (stored && configChanged && !dec(stored.capital).eq(capital)) book.adjustCash(capital.minus(dec(stored.capital)));

    const record: CrewInstanceRecord = {
      id: crewConfig.id,
      module: definition.name,
      team: team.name,
      symbol: crewConfig.symbol,
      interval: crewConfig.interval,
      params: parsed.params,
      capital: toText(capital),
      status: stored?.status ?? 'active',
      statusReason: stored?.statusReason ?? '',
      state: stored?.state ?? {},
      nextOrderSeq: stored?.nextOrderSeq ?? 1,
      venue,
      venueSince,
      createdAt: stored?.createdAt ?? now,
      updatedAt: now,
    };
    const child = log.child({ crew: crewConfig.id });
    const runtime = new CrewRuntime(record, definition, book, filters, capital, {
      info: (message, fields) => child.info(fields ?? {}, message),
      warn: (message, fields) => child.warn(fields ?? {}, message),
    });
    await journal.saveCrewInstance(record);
    if (!storedPosition || configChanged) await journal.savePosition(book.toPosition());
    if (!stored || configChanged) {
      await journal.setSetting(
        fingerprintKey,
        fingerprint,
        stored ? { actor: 'config', via: 'config', action: 'crew.config-changed', detail: { crew: crewConfig.id }, at: now } : null,
      );
    }
    return runtime;
  }

  /**
   * Moves a crew instance to another venue with `capital` (a promotion or demotion): without open
   * orders, its position already closed or handed over by the caller, its book starts afresh, its
   * filters come from the new venue, and the change is journaled with its audit entry. Returns why
   * not, or null.
   */
  async moveCrew(
    id: string,
    venue: VenueName,
    capital: Decimal,
    audit: { actor: string; via: string; action: string; detail: Record<string, unknown> },
  ): Promise<string | null> {
    const crew = this.engine.crews.get(id);
    if (!crew) return `no crew "${id}"`;
    if (crew.venue === venue) return `crew ${id} is on ${this.venues.label(venue)} already`;
    const open = this.engine.orders.openOrders.filter((o) => o.crewId === id);
    if (open.length > 0) return `crew ${id} has ${open.length} open order(s) (${open.map((o) => o.clientOrderId).join(', ')}): wait until they end`;
    let filters: SymbolFilters;
    try {
      filters = await this.venues.of(venue).symbolFilters(crew.symbol);
    } catch (error) {
      return `${this.venues.label(venue)} does not trade ${crew.symbol}: ${error instanceof Error ? error.message : String(error)}`;
    }
    const now = this.clock.now();
    crew.filters = filters;
    crew.capital = capital;
    crew.book.startAfresh(capital);
    crew.setVenue(venue, now);
    // Its drawdown is measured afresh on the new venue.
    this.engine.capitalSetByOwner(id);
    this.journal.transaction(() => {
      this.journal.saveCrewInstance(crew.toRecord(now));
      this.journal.savePosition(crew.book.toPosition());
      this.journal.recordAudit({ ...audit, detail: { crew: id, venue, capital: toText(capital), ...audit.detail }, at: now });
    });
    return null;
  }

  async close(): Promise<void> {
    try {
      await this.engine.stop();
    } finally {
      // Even when stopping could not journal (a journal that stopped writing): the desk still closes.
      this.bus.flush(); // the notifiers hear the last facts before the desk is gone
      try {
        await this.exchange.close?.();
        if (this.venues.separate) await this.venues.paper.close?.();
      } finally {
        this.journal.close();
      }
    }
  }
}

/**
 * What the journal holds for a crew instance — a position, capital — in words, or null when it
 * holds nothing worth protecting (never traded and no cash): such an instance may be dropped.
 */
function holdings(record: CrewInstanceRecord | undefined, position: Awaited<ReturnType<Journal['getPositions']>>[number] | undefined): string | null {
  if (!record && !position) return null;
  const parts: string[] = [];
  if (position && position.quantity.gt(0)) parts.push(`a position of ${toText(position.quantity)} ${position.symbol}`);
  const cash = position ? position.cash : record ? dec(record.capital) : null;
  if (cash && cash.gt(0)) parts.push(`${toText(cash)} of capital`);
  return parts.length > 0 ? parts.join(' and ') : null;
}

/** Each team whose crews (not stopped) hold more capital than it has, in words with how much over. */
function overAllocatedTeams(engine: Engine, teams: ReadonlyMap<string, Decimal>): string[] {
  const problems: string[] = [];
  for (const [team, capital] of teams) {
    let allocated = dec(0);
    for (const crew of engine.crews.values()) if (crew.team === team && crew.status !== 'stopped') allocated = allocated.plus(crew.capital);
    if (allocated.gt(capital))
      problems.push(`team ${team} has ${toText(allocated)} allocated of its capital ${toText(capital)} (${toText(allocated.minus(capital))} over)`);
  }
  return problems;
}

/** Config limits, overridden by what the owner set at run time (persisted), both validated. */
function mergeLimits(config: RiskLimits, stored: unknown, log: Logger): RiskLimits {
  if (stored === null || stored === undefined) return config;
  const merged = riskLimitsSchema.safeParse({ ...config, ...(stored as object) });
  if (!merged.success) {
    log.warn('stored risk limits are not valid any more; using the config file’s');
    return config;
  }
  return merged.data;
}
