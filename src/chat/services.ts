// What chat commands may call: the desk's services, plus the optional ones other parts of
// crewdesk provide (the backtester, the manager LLM, the Binance mode switch). A command whose
// service is absent answers with how to get it, never with an error.
import type { Kpis } from '../backtest/kpis.ts';
import type { BacktestRequest } from '../services/backtest.ts';
import type { DeskService } from '../services/desk-service.ts';
import type { ForgeService } from '../forge/service.ts';
import type { UsageReport } from '../manager/usage.ts';
import type { HealthFigures } from '../services/health-monitor.ts';
import type { Actor, Result } from '../services/result.ts';
import type { TradingMode } from '../core/domain.ts';

/** The same request the manager's run_backtest tool makes. */
export type { BacktestRequest };

export interface BacktestProgress {
  /** 0 … 1. */
  readonly fraction: number;
  readonly text?: string;
}

export interface BacktestReport {
  /** One line naming the run, e.g. "sma-cross BTCUSDT 1h, 2024-01-01 → 2024-06-30". */
  readonly title: string;
  readonly kpis: Kpis;
  /** The equity chart (with drawdown), PNG. */
  readonly chartPng: Buffer;
}

export interface BacktestService {
  /**
   * Runs one backtest. Must yield to the event loop while it runs (a worker or chunks): /halt and
   * the engine share this process. Refusals (unknown module, no data) come back as a failed Result.
   */
  run(
    request: BacktestRequest,
    options?: { readonly onProgress?: (progress: BacktestProgress) => void; readonly signal?: AbortSignal },
  ): Promise<Result<BacktestReport>>;
}

/** A parameter sweep asked from the chat: the optimize CLI's subject and grid syntax. */
export interface SweepRequest {
  /** Crew module name. */
  readonly module: string;
  readonly symbol: string;
  readonly interval: string;
  /** `fast=5..50:5,slow=60..240:20`, as `crewdesk optimize --grid`. */
  readonly grid: string;
  /** UTC dates, YYYY-MM-DD (`to` is the last day); all the data when absent. */
  readonly from?: string;
  readonly to?: string;
  /** Ranking metric (default sharpe). */
  readonly metric?: string;
  /** Params every combination shares. */
  readonly params?: Readonly<Record<string, unknown>>;
}

export type SweepState = 'running' | 'done' | 'failed' | 'cancelled';

export interface SweepSummary {
  readonly id: string;
  readonly module: string;
  readonly symbol: string;
  readonly interval: string;
  readonly grid: string;
  readonly state: SweepState;
  /** Runs done and asked for (0/0 until the candles are read). */
  readonly done: number;
  readonly total: number;
  /** The back end's last word while it runs (e.g. Redis unreachable, the sweep waits). */
  readonly status: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** Who started it (an actor id). */
  readonly by: string;
  /** The best combination in-sample (the grid's params), with its out-of-sample return, once done. */
  readonly best: {
    readonly params: Readonly<Record<string, unknown>>;
    readonly metric: string;
    readonly score: number | null;
    readonly outOfSampleReturnPct: number | null;
  } | null;
  readonly combinations: number;
  readonly skipped: number;
  readonly error: string | null;
  /** Where the manager finds it (optimize.<crew>.<time>). */
  readonly journalKey: string | null;
}

export interface ResearchWorkerInfo {
  readonly id: string;
  readonly state: 'busy' | 'idle' | 'lost';
  readonly job: string | null;
  readonly jobsDone: number | null;
  /** Engine code version, short. */
  readonly version: string;
  readonly sameCode: boolean;
}

/** Sweeps from the running desk (/research), on the desk's research back end. */
export interface ResearchService {
  /** "embedded (warm worker threads)" or "queue at redis://…". */
  readonly backend: string;
  /**
   * Starts a sweep and resolves when it ends (done, failed or cancelled); `onStart` gets its id at
   * once, `onProgress` its summary as runs finish. A bad request is a failed Result and starts nothing.
   */
  sweep(
    request: SweepRequest,
    actor: Actor,
    options?: { readonly onStart?: (id: string) => void; readonly onProgress?: (summary: SweepSummary) => void },
  ): Promise<Result<SweepSummary>>;
  /** The sweeps of this run of the desk, newest first. */
  sweeps(): readonly SweepSummary[];
  workers(): Promise<readonly ResearchWorkerInfo[]>;
  cancel(id: string, actor: Actor): Promise<Result<SweepSummary>>;
}

/** What the chat needs of the manager (the class is ManagerService in src/manager/). */
export interface ManagerChat {
  /** One turn of the conversation kept under `channelKey`; resolves with the manager's reply text. */
  ask(text: string, channelKey: string, actor: Actor): Promise<string>;
  /** The manager's report on the desk (what /report shows when the manager is there). */
  report(): Promise<string>;
  /** The same report with its title and equity chart (PNG; null with too little history), as the scheduled post carries it. */
  buildReport?(): Promise<{ readonly title: string; readonly text: string; readonly chartPng: Buffer | null }>;
  /** Tokens used today and this month, the estimated cost and the daily budget, in words (/llm usage). */
  usageText?(): string;
  /** The same figures as data (the API, /metrics). */
  usage?(): UsageReport;
  /** The proposals still open (/proposal, /proposal list). */
  pendingProposals?(): readonly {
    readonly id: string;
    readonly summary: string;
    readonly expiresAt: number;
    readonly rationale?: string;
    readonly createdAt?: number;
    /** Only this owner may answer it (the one who asked); any owner when null. */
    readonly ownerId?: string | null;
  }[];
  /** Answers one of the manager's proposals (advise mode): only an owner, once, before it expires. */
  approve?(id: string, actor: Actor): Promise<Result<string>>;
  reject?(id: string, actor: Actor, reason?: string): Promise<Result<string>>;
}

export interface ModeCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** A mode change checked and waiting for the owner's confirmation. */
export interface ModeChange {
  readonly from: TradingMode;
  readonly to: TradingMode;
  /** The checks of the switch (keys present, account can trade, clock in sync, …). */
  readonly checks: readonly ModeCheck[];
  /** Whether every check passed; `apply` refuses otherwise. */
  readonly ready: boolean;
  /** Switches, after the confirmation. */
  apply(actor: Actor): Promise<Result<string>>;
}

export interface ModeService {
  current(): TradingMode;
  /** Checks a switch to `target`; refuses the manager and non-owners. */
  request(target: TradingMode, actor: Actor): Promise<Result<ModeChange>>;
}

export interface ChatServices {
  readonly desk: DeskService;
  readonly backtest?: BacktestService;
  /** Parameter sweeps (/research). */
  readonly research?: ResearchService;
  readonly manager?: ManagerChat;
  readonly mode?: ModeService;
  /** The crew forge (/forge), when configured. */
  readonly forge?: ForgeService;
  /** The process's health (event-loop lag, memory, CPU), as /status shows it. */
  readonly health?: { figures(): HealthFigures };
}

/** The answer when there is no manager: how to configure one. */
export const MANAGER_HOWTO = [
  'The manager (an LLM) is not configured, so free text has no one to answer it yet. The slash commands all work: /help lists them.',
  'To enable it, set OPENAI_API_KEY in the environment (and OPENAI_BASE_URL for an OpenAI-compatible server, a local one included), then restart crewdesk.',
].join('\n');
