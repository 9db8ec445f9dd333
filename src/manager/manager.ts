// The Management LLM: the owner's trading-desk lead. It answers in plain language from tool
// results, proposes or makes changes within hard bounds, evaluates the desk on a schedule and
// writes the daily report. Everything it changes goes through DeskService — the path every slash
// command takes — as the actor { id: 'manager', via: 'manager' }; every decision is journaled
// with its rationale and figures. The model is never on the per-candle path: a failing, slow or
// silent model means no action and an alert, never a blocked trade or a lost report.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { createAgent, createMiddleware } from 'langchain';
import type { OptimizationIndexEntry, StoredOptimization } from '../backtest/optimize.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { DeskService } from '../services/desk-service.ts';
import { type Actor, fail, ok, type Result } from '../services/result.ts';
import { type ActionPolicy, checkAction, executeAction, type ManagerAction } from './actions.ts';
import { type Autonomy, type ManagerConfig, resolveProvider } from '../config/manager.ts';
import { collectMetrics, boundsOf, type DeskMetrics, type Window } from './metrics.ts';
import { createChatModel, keepTracingLocal } from './model.ts';
import { crewCatalogue, dataBlock, exitParamsText, fill, hardLimitsText, loadPrompts, metricsText, type Prompts, teamsText } from './prompts.ts';
import { type Proposal, ProposalBook } from './proposals.ts';
import { collectReportData, type DailyReport, equityChart, renderReport, reportPrompt, type ReportData } from './report.ts';
import type { ForgeDrafter } from '../forge/draft-tool.ts';
import { buildTools, type ManagerBacktest, type RunContext, type RunOutcome, type ToolHost } from './tools.ts';
import { BudgetExhaustedError, type Purpose, tokensOf, type UsageReport, UsageLedger } from './usage.ts';

export type { Proposal } from './proposals.ts';

/** Who the manager is when it acts: never an owner, so the services refuse it what only owners may do. */
export const MANAGER_ACTOR: Actor = Object.freeze({ id: 'manager', via: 'manager', isOwner: false });

export interface ManagerOptions {
  readonly service: DeskService;
  readonly config: ManagerConfig;
  /**
   * The chat model. Absent: built from the provider config and the environment (ChatOpenAI);
   * null: no model (chat answers how to configure one; reports go out without commentary).
   */
  readonly model?: BaseChatModel | null;
  /** Default process.env: OPENAI_API_KEY, OPENAI_BASE_URL. */
  readonly env?: NodeJS.ProcessEnv;
  readonly backtest?: ManagerBacktest;
  readonly promptsDir?: string;
  /** Wall clock for proposals, budgets and audit times (desk data keeps the desk's clock). */
  readonly now?: () => number;
  readonly log?: Logger;
}

export interface ManagerReply {
  readonly text: string;
  /** Proposals of this turn, still open: render each with approve / reject buttons answering `approve(id)` / `reject(id)`. */
  readonly proposals: readonly Proposal[];
  /** Changes made in this turn (act mode, or a halt). */
  readonly actions: readonly { readonly summary: string; readonly result: string }[];
  readonly outcome: 'answered' | 'not-configured' | 'budget' | 'failed';
}

export type AlertKind = 'budget' | 'llm-error' | 'malformed' | 'report' | 'evaluation';

export type ManagerEvent =
  | { readonly type: 'alert'; readonly kind: AlertKind; readonly message: string; readonly at: number }
  | { readonly type: 'proposal'; readonly proposal: Proposal }
  | {
      readonly type: 'decision';
      readonly decision: 'approved' | 'rejected' | 'expired';
      readonly proposal: Proposal;
      readonly by: string | null;
      readonly result: string | null;
      readonly at: number;
    }
  | {
      readonly type: 'action';
      readonly summary: string;
      readonly ok: boolean;
      readonly result: string;
      readonly purpose: Purpose;
      readonly proposalId: string | null;
      readonly at: number;
    }
  | {
      readonly type: 'evaluation';
      readonly text: string;
      readonly proposals: readonly Proposal[];
      readonly actions: readonly { readonly summary: string; readonly result: string }[];
      readonly at: number;
    }
  | { readonly type: 'report'; readonly report: DailyReport; readonly at: number };

export type ManagerListener = (event: ManagerEvent) => void | Promise<void>;

export type EvaluationOutcome =
  | {
      readonly status: 'done';
      readonly text: string;
      readonly proposals: readonly Proposal[];
      readonly actions: readonly { readonly summary: string; readonly result: string }[];
    }
  | { readonly status: 'skipped' | 'failed'; readonly reason: string };

interface Turn {
  readonly role: 'user' | 'assistant' | 'note';
  readonly text: string;
}

/** Per run: who asked, how many model calls so far, why it stopped if it did. */
interface RunState {
  readonly actor: Actor | null;
  modelCalls: number;
  failure: { kind: 'budget' | 'llm-error' | 'malformed'; message: string } | null;
}

type AgentResult = { ok: true; text: string } | { ok: false; kind: 'budget' | 'llm-error' | 'malformed'; message: string };

const MAX_ANSWER_CHARS = 3_500;
const MAX_MEMORY_CHARS = 12_000;
const MAX_CONVERSATIONS = 200;
const BACKTESTS_PER_TURN = 2;
const MANAGER_PAUSES_SETTING = 'manager.paused-crews';

const AUTONOMY_RULES: Record<Autonomy, string> = {
  advise:
    'You advise. Every change you call becomes a PROPOSAL that the owner approves or rejects with a button; nothing happens until then. Say what you proposed and why, and that it waits for the owner.',
  act: 'You act. A change within bounds is done at once when you call it (the tool answers DONE), and you report it with the figures behind it. Some changes still need the owner (the tool answers PROPOSED): say so.',
};

export class ManagerService {
  private readonly listeners = new Set<ManagerListener>();
  private readonly memory = new Map<string, Turn[]>();
  /** Crews the manager paused, with its reason: it may resume those on its own. */
  private readonly managerPauses = new Map<string, string>();
  private mutations: Promise<unknown> = Promise.resolve();
  private catalogue = '';

  private constructor(
    readonly service: DeskService,
    readonly config: ManagerConfig,
    private readonly model: BaseChatModel | null,
    /** Why there is no model, when there is none. */
    readonly notConfiguredReason: string | null,
    private readonly prompts: Prompts,
    private readonly ledger: UsageLedger,
    private readonly proposals: ProposalBook,
    private readonly backtest: ManagerBacktest | undefined,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  static async create(options: ManagerOptions): Promise<ManagerService> {
    const now = options.now ?? Date.now;
    const log = options.log ?? silentLogger();
    const prompts = loadPrompts(options.promptsDir);
    let model: BaseChatModel | null;
    let reason: string | null = null;
    let modelName = 'none';
    if (options.model !== undefined) {
      model = options.model;
      modelName = model ? options.config.provider.model : 'none';
      if (!model) reason = 'no model was given';
    } else {
      const provider = resolveProvider(options.config, options.env ?? process.env);
      if (provider.configured) {
        const removed = keepTracingLocal();
        if (removed.length) log.warn({ removed }, 'LangSmith tracing variables removed: the manager talks to its model server only');
        model = createChatModel(provider);
        modelName = provider.model;
        log.info({ model: provider.model, baseUrl: provider.baseUrl ?? 'OpenAI' }, 'manager model configured');
      } else {
        model = null;
        reason = provider.reason;
      }
    }
    const journal = options.service.desk.journal;
    // Audit entries carry the desk's time, like the service's own; expiry and budget days follow the wall clock.
    const stamp = () => options.service.desk.clock.now();
    const ledger = await UsageLedger.open(journal, options.config, modelName, now, stamp);
    // The book needs the manager for its expiry callback; the manager needs the book: tie them after.
    let manager: ManagerService | null = null;
    const book = await ProposalBook.open(journal, now, (p) => manager?.expired(p), stamp);
    manager = new ManagerService(options.service, options.config, model, reason, prompts, ledger, book, options.backtest, now, log);
    for (const [crew, why] of Object.entries((await journal.getSetting<Record<string, string>>(MANAGER_PAUSES_SETTING)) ?? {}))
      manager.managerPauses.set(crew, why);
    manager.catalogue = crewCatalogue(
      [...options.service.desk.catalog.values()].map((d) => ({ name: d.name, description: d.description, bounds: boundsOf(d) })),
    );
    return manager;
  }

  /** Whether a model is configured (without one: reports only, no commentary, no chat). */
  get configured(): boolean {
    return this.model !== null;
  }

  get autonomy(): Autonomy {
    return this.config.autonomy;
  }

  // ── Conversation ──

  /** The chat's ManagerService: one turn, the reply as text (open proposals listed with their ids). */
  async ask(text: string, channelKey: string, actor: Actor): Promise<string> {
    const reply = await this.converse(text, channelKey, actor);
    return reply.text;
  }

  /** One turn of the conversation kept under `conversationKey` (a channel, a DM, "console"). */
  async converse(text: string, conversationKey: string, actor: Actor): Promise<ManagerReply> {
    if (!this.model) {
      return { text: notConfiguredText(this.notConfiguredReason), proposals: [], actions: [], outcome: 'not-configured' };
    }
    const run: RunContext = { purpose: 'chat', conversationKey, outcomes: [], actionsLeft: this.config.maxActionsPerTurn, backtestsLeft: BACKTESTS_PER_TURN };
    const state: RunState = { actor, modelCalls: 0, failure: null };
    const input = chatMessage(text, actor);
    const messages = [...this.history(conversationKey), new HumanMessage(input)];
    const result = await this.runAgent(run, state, messages);
    const proposals = this.openProposalsOf(run);
    const actions = doneActions(run.outcomes);
    if (!result.ok) {
      await this.abandon(run, result.message);
      const text = failureText(result, actions);
      return { text, proposals: [], actions, outcome: result.kind === 'budget' ? 'budget' : 'failed' };
    }
    this.remember(conversationKey, { role: 'user', text: input }, { role: 'assistant', text: result.text });
    return { text: result.text + proposalsText(proposals), proposals, actions, outcome: 'answered' };
  }

  /** Forgets a conversation (a "new topic" button, tests). */
  forget(conversationKey: string): void {
    this.memory.delete(conversationKey);
  }

  // ── Proposals ──

  /** Open proposals; those `actorId` may answer when given. */
  pendingProposals(actorId?: string): Proposal[] {
    return this.proposals.list(actorId);
  }

  /** The owner's yes: the change is checked again and made through the desk service. */
  async approve(id: string, actor: Actor): Promise<Result<string>> {
    const taken = await this.proposals.take(id, actor, 'approved');
    if (!taken.ok) return taken;
    const p = taken.value;
    const r = await this.execute(p.action, p.rationale, { purpose: p.purpose, proposalId: p.id, approvedBy: actor.id, figures: p.figures, summary: p.summary });
    const result = r.ok ? `done: ${r.value}` : `it could not be done: ${r.error}`;
    this.note(p.conversationKey, `The owner (${actor.id}) approved proposal ${p.id} (${p.summary}); ${result}.`);
    this.emit({ type: 'decision', decision: 'approved', proposal: p, by: actor.id, result, at: this.now() });
    return r.ok ? ok(`Approved and done: ${r.value}`) : fail(`Approved, but it could not be done: ${r.error}`);
  }

  /** The owner's no. */
  async reject(id: string, actor: Actor, reason?: string): Promise<Result<string>> {
    const taken = await this.proposals.take(id, actor, 'rejected', reason ? { reason } : {});
    if (!taken.ok) return taken;
    const p = taken.value;
    this.note(p.conversationKey, `The owner (${actor.id}) rejected proposal ${p.id} (${p.summary})${reason ? `: ${reason}` : ''}. Nothing was changed.`);
    this.emit({ type: 'decision', decision: 'rejected', proposal: p, by: actor.id, result: null, at: this.now() });
    return ok(`Rejected: ${p.summary}. Nothing was changed.`);
  }

  /** Expires the proposals past their time (a timer does it too); returns them. */
  expireDue(): Promise<Proposal[]> {
    return this.proposals.expireDue();
  }

  private expired(p: Proposal): void {
    this.note(p.conversationKey, `Proposal ${p.id} (${p.summary}) expired unanswered. Nothing was changed.`);
    this.emit({ type: 'decision', decision: 'expired', proposal: p, by: null, result: null, at: this.now() });
  }

  // ── Scheduled work ──

  /** The live evaluation: the aggregated figures to the manager, which may propose or act within bounds. */
  async evaluate(window: Window = '24h'): Promise<EvaluationOutcome> {
    if (!this.model) return { status: 'skipped', reason: this.notConfiguredReason ?? 'no model' };
    const metrics = await collectMetrics(this.service, window);
    const prompt = this.evaluationPrompt(metrics, await this.service.promotionGates());
    const run: RunContext = {
      purpose: 'evaluation',
      conversationKey: null,
      outcomes: [],
      actionsLeft: this.config.maxActionsPerTurn,
      backtestsLeft: BACKTESTS_PER_TURN,
    };
    const state: RunState = { actor: null, modelCalls: 0, failure: null };
    const result = await this.runAgent(run, state, [new HumanMessage(prompt)]);
    const actions = doneActions(run.outcomes);
    if (!result.ok) {
      await this.abandon(run, result.message);
      await this.audit('manager.evaluation.failed', { reason: result.message, actions, figures: metrics.overall });
      return { status: 'failed', reason: result.message };
    }
    const proposals = this.openProposalsOf(run);
    await this.audit('manager.evaluation', { window, text: result.text.slice(0, 2_000), outcomes: run.outcomes, figures: metrics.overall });
    this.emit({ type: 'evaluation', text: result.text + proposalsText(proposals), proposals, actions, at: this.now() });
    return { status: 'done', text: result.text, proposals, actions };
  }

  /** The daily report: always produced; the commentary is added when a model answers. */
  async buildReport(): Promise<DailyReport> {
    const data = await collectReportData(this.service, { timezone: this.config.report.timezone, pendingProposals: this.proposals.list().length });
    let chart: Buffer | null = null;
    try {
      chart = await equityChart(this.service, data.metrics.asOf);
    } catch (error) {
      this.log.warn({ err: message(error) }, 'daily report: the equity chart could not be drawn');
    }
    const commentary = await this.commentary(data);
    return renderReport(data, commentary.ok ? commentary.text : null, commentary.ok ? null : commentary.reason, chart);
  }

  /** The scheduled report: built, journaled, handed to the listeners (the reports channel). */
  async runDailyReport(): Promise<DailyReport> {
    let report: DailyReport;
    try {
      report = await this.buildReport();
    } catch (error) {
      this.alert('report', `the daily report could not be built: ${message(error)}`);
      throw error;
    }
    await this.audit('manager.report', {
      day: report.day,
      commentary: report.commentary !== null,
      ...(report.commentaryMissing ? { commentaryMissing: report.commentaryMissing } : {}),
      figures: report.data.metrics.overall,
    });
    this.emit({ type: 'report', report, at: this.now() });
    return report;
  }

  /** The chat's /report: the report as text. */
  async report(): Promise<string> {
    return (await this.buildReport()).text;
  }

  // ── Cost ──

  usage(): UsageReport {
    return this.ledger.report();
  }

  /** /llm usage, as text. */
  usageText(): string {
    return usageText(this.usage());
  }

  // ── Events ──

  /** Alerts, proposals, decisions, actions, evaluations and reports; each listener fails alone. */
  subscribe(listener: ManagerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the expiry timers; open proposals stay journaled for the next start. Waits for changes under way. */
  async close(): Promise<void> {
    this.proposals.close();
    await this.mutations.catch(() => undefined);
  }

  // ── The agent ──

  private async runAgent(run: RunContext, state: RunState, messages: BaseMessage[]): Promise<AgentResult> {
    const model = this.model!;
    const host = this.toolHost(state);
    const maxCalls = this.config.maxModelCallsPerTurn;
    const guard = createMiddleware({
      name: 'crewdesk-guard',
      wrapModelCall: async (request, handler) => {
        if (state.modelCalls >= maxCalls) {
          // Ends the turn: an answer without tool calls.
          return new AIMessage(`I stopped here: this turn reached its limit of ${maxCalls} model calls. Ask again to continue.`);
        }
        const budget = await this.ledger.check();
        if (!budget.ok) {
          state.failure = { kind: 'budget', message: budget.reason };
          if (budget.firstRefusalToday) this.alert('budget', budget.reason);
          throw new BudgetExhaustedError(budget.reason);
        }
        state.modelCalls++;
        const promptChars = (request.systemPrompt?.length ?? 0) + request.messages.reduce((n, m) => n + textOf(m).length, 0);
        const response = await handler(request);
        await this.ledger.record(
          run.purpose,
          tokensOf(
            response.usage_metadata,
            promptChars,
            textOf(response).length + (response.tool_calls?.length ? JSON.stringify(response.tool_calls).length : 0),
          ),
        );
        return response;
      },
    });
    const agent = createAgent({ model, tools: buildTools(host, run), systemPrompt: this.systemPrompt(), middleware: [guard] });
    try {
      const out = await agent.invoke({ messages }, { recursionLimit: maxCalls * 4 + 10 });
      const last = out.messages[out.messages.length - 1];
      if (!last || !AIMessage.isInstance(last)) return this.malformed('the model ended without an answer');
      if ((last.invalid_tool_calls?.length ?? 0) > 0)
        return this.malformed(`the model's tool call could not be read (${last.invalid_tool_calls!.map((c) => c.name ?? '?').join(', ')})`);
      const text = textOf(last).trim();
      if (text === '') return this.malformed('the model gave an empty answer');
      return { ok: true, text: text.length > MAX_ANSWER_CHARS ? `${text.slice(0, MAX_ANSWER_CHARS)}…` : text };
    } catch (error) {
      if (state.failure) return { ok: false, ...state.failure };
      const why = `the model call failed: ${message(error)}`;
      this.alert('llm-error', `${run.purpose}: ${why}`);
      return { ok: false, kind: 'llm-error', message: why };
    }
  }

  private malformed(why: string): AgentResult {
    this.alert('malformed', why);
    return { ok: false, kind: 'malformed', message: why };
  }

  /** The crew forge the draft_crew tool uses; set once the forge exists (it spends this manager's budget). */
  private forge: ForgeDrafter | undefined;

  attachForge(forge: ForgeDrafter): void {
    this.forge = forge;
  }

  /** The daily token budget, shared with the forge (purpose `forge`). */
  get usageLedger(): UsageLedger {
    return this.ledger;
  }

  /** The chat model, shared with the forge; null when none is configured. */
  get chatModel(): BaseChatModel | null {
    return this.model;
  }

  private toolHost(state: RunState): ToolHost {
    return {
      service: this.service,
      backtest: this.backtest,
      metrics: (window) => collectMetrics(this.service, window),
      overview: async () => this.overview(),
      optimization: (module) => this.optimization(module),
      mutate: (run, action, rationale) => this.mutate(run, state, action, rationale),
      forge: this.forge,
    };
  }

  /** A change a tool asked for: refused, proposed or done — journaled either way. */
  private async mutate(run: RunContext, state: RunState, action: ManagerAction, rationale: string): Promise<unknown> {
    if (run.actionsLeft <= 0) {
      const reason = `no more changes in this turn (at most ${this.config.maxActionsPerTurn})`;
      run.outcomes.push({ kind: 'refused', tool: action.kind, reason });
      await this.audit('manager.action.refused', { tool: action.kind, action, rationale, reason, purpose: run.purpose });
      return { outcome: 'refused', reason };
    }
    run.actionsLeft--;
    const checked = checkAction(this.service, action, this.policy());
    if (!checked.ok) {
      run.outcomes.push({ kind: 'refused', tool: action.kind, reason: checked.error });
      await this.audit('manager.action.refused', { tool: action.kind, action, rationale, reason: checked.error, purpose: run.purpose });
      return { outcome: 'refused', reason: checked.error, note: 'Nothing was changed. Tell the owner why; do not try the same again.' };
    }
    const c = checked.value;
    // A non-owner's request never changes anything by itself, whatever the autonomy.
    const askedByNonOwner = run.purpose === 'chat' && !state.actor?.isOwner;
    const needsOwner = c.approval === 'owner' || (c.approval === 'autonomy' && (this.config.autonomy === 'advise' || askedByNonOwner));
    if (needsOwner) {
      const actor = state.actor;
      const proposal = await this.proposals.create(
        {
          action: c.action,
          summary: c.summary,
          rationale,
          figures: c.figures,
          purpose: run.purpose,
          requestedBy: actor?.id ?? null,
          ownerId: actor?.isOwner && actor.via !== 'manager' ? actor.id : null,
          conversationKey: run.conversationKey,
          approval: c.approval === 'owner' ? 'owner' : 'autonomy',
        },
        this.config.proposalExpiryMinutes * 60_000,
      );
      run.outcomes.push({ kind: 'proposed', proposalId: proposal.id, summary: proposal.summary });
      this.emit({ type: 'proposal', proposal });
      return {
        outcome: 'proposed',
        proposal: proposal.id,
        summary: proposal.summary,
        expiresAt: new Date(proposal.expiresAt).toISOString(),
        note: 'Nothing has happened yet: the owner approves or rejects it. Say so; do not call it done.',
      };
    }
    const r = await this.execute(c.action, rationale, { purpose: run.purpose, proposalId: null, approvedBy: null, figures: c.figures, summary: c.summary });
    if (r.ok) {
      run.outcomes.push({ kind: 'done', summary: c.summary, result: r.value });
      return { outcome: 'done', summary: c.summary, result: r.value };
    }
    run.outcomes.push({ kind: 'failed', summary: c.summary, error: r.error });
    return { outcome: 'failed', summary: c.summary, error: r.error };
  }

  /** Carries a change out through the desk service (one at a time; a halt at once), journaled with its rationale and figures. */
  private execute(
    action: ManagerAction,
    rationale: string,
    context: { purpose: Purpose; proposalId: string | null; approvedBy: string | null; figures: Readonly<Record<string, unknown>>; summary: string },
  ): Promise<Result<string>> {
    const run = async (): Promise<Result<string>> => {
      // An approved proposal is the approving owner's decision, carried out by the manager.
      const actor: Actor = context.approvedBy === null ? MANAGER_ACTOR : { ...MANAGER_ACTOR, isOwner: true, approvedBy: context.approvedBy };
      const r = await executeAction(this.service, action, this.policy(), actor, rationale);
      await this.audit(r.ok ? 'manager.action.executed' : 'manager.action.failed', {
        action,
        summary: context.summary,
        rationale,
        figures: context.figures,
        purpose: context.purpose,
        proposalId: context.proposalId,
        approvedBy: context.approvedBy,
        ...(r.ok ? { result: r.value } : { error: r.error }),
      });
      if (r.ok && action.kind === 'pause_crew') await this.setManagerPause(action.crew, action.reason);
      if (r.ok && action.kind === 'resume_crew') await this.setManagerPause(action.crew, null);
      this.emit({
        type: 'action',
        summary: context.summary,
        ok: r.ok,
        result: r.ok ? r.value : r.error,
        purpose: context.purpose,
        proposalId: context.proposalId,
        at: this.now(),
      });
      return r;
    };
    // The kill switch never waits behind other work.
    if (action.kind === 'halt') return run();
    const work = this.mutations.then(run);
    this.mutations = work.catch(() => undefined);
    return work;
  }

  private async setManagerPause(crew: string, reason: string | null): Promise<void> {
    if (reason === null) this.managerPauses.delete(crew);
    else this.managerPauses.set(crew, reason);
    await this.service.desk.journal.setSetting(MANAGER_PAUSES_SETTING, Object.fromEntries(this.managerPauses), null);
  }

  private policy(): ActionPolicy {
    return { maxCrewShareOfTeamPct: this.config.limits.maxCrewShareOfTeamPct, managerPauses: this.managerPauses };
  }

  /** A failed run leaves nothing waiting: its proposals are withdrawn (changes already made stay, journaled). */
  private async abandon(run: RunContext, why: string): Promise<void> {
    for (const o of run.outcomes) if (o.kind === 'proposed') await this.proposals.withdraw(o.proposalId, `the ${run.purpose} run failed: ${why}`);
  }

  private openProposalsOf(run: RunContext): Proposal[] {
    return run.outcomes.flatMap((o) => (o.kind === 'proposed' ? [this.proposals.get(o.proposalId)].filter((p): p is Proposal => p !== undefined) : []));
  }

  // ── Prompts ──

  private systemPrompt(): string {
    const s = this.service;
    return fill(this.prompts.manager, {
      autonomy: this.config.autonomy,
      autonomy_rules: AUTONOMY_RULES[this.config.autonomy],
      crew_catalogue: this.catalogue,
      exit_params: exitParamsText(),
      teams: teamsText(s.teamList(), s.crewList()),
      hard_limits: hardLimitsText(s.riskLimits()),
      manager_limits: [
        `- No crew gets more than ${this.config.limits.maxCrewShareOfTeamPct}% of its team's capital from you (spawn or reallocation).`,
        `- At most ${this.config.maxActionsPerTurn} changes per turn; proposals expire after ${this.config.proposalExpiryMinutes} minutes.`,
        "- Params only within each module's declared bounds; capital only within the team's unallocated capital.",
      ].join('\n'),
    });
  }

  private evaluationPrompt(metrics: DeskMetrics, gates: readonly string[]): string {
    // The crews on paper against the promotion gate, with figures: the manager names them, and may propose a promotion (never make one).
    const gateText = gates.length ? `\ncrews on paper against the promotion gate:\n${gates.join('\n')}` : '';
    return fill(this.prompts.evaluation, {
      now: new Date(metrics.asOf).toISOString().slice(0, 16).replace('T', ' ') + ' UTC (desk time)',
      window: metrics.window,
      max_actions: String(this.config.maxActionsPerTurn),
      metrics: dataBlock('desk_data', metricsText(metrics) + gateText),
    });
  }

  /** The report's commentary: one call, no tools; null with the reason when there is no model or it fails. */
  private async commentary(data: ReportData): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
    if (!this.model) return { ok: false, reason: this.notConfiguredReason ?? 'no model configured' };
    const budget = await this.ledger.check();
    if (!budget.ok) {
      if (budget.firstRefusalToday) this.alert('budget', budget.reason);
      return { ok: false, reason: budget.reason };
    }
    const messages = [
      new SystemMessage(reportPrompt(this.prompts.report, data)),
      new HumanMessage('Write the commentary and recommendations for this report.'),
    ];
    try {
      const response = await this.model.invoke(messages, { signal: AbortSignal.timeout(this.config.provider.timeoutSeconds * 1000) });
      const promptChars = messages.reduce((n, m) => n + textOf(m).length, 0);
      await this.ledger.record('report', tokensOf(response.usage_metadata, promptChars, textOf(response).length));
      const text = textOf(response).trim();
      if (text === '') {
        this.alert('malformed', 'report: the model gave an empty commentary');
        return { ok: false, reason: 'the model gave an empty answer' };
      }
      return { ok: true, text: text.length > MAX_ANSWER_CHARS ? `${text.slice(0, MAX_ANSWER_CHARS)}…` : text };
    } catch (error) {
      const why = `the model call failed: ${message(error)}`;
      this.alert('report', `report commentary: ${why}`);
      return { ok: false, reason: why };
    }
  }

  // ── Read-only views for the tools ──

  private overview(): unknown {
    const s = this.service.status();
    return {
      mode: s.mode,
      halt: s.halt,
      equity: s.equity,
      capital: s.capital,
      allocated: s.allocated,
      todayPnl: s.todayPnl,
      exposure: s.exposure,
      openOrders: s.openOrders,
      asOf: new Date(s.asOf).toISOString(),
      teams: this.service.teamList().map((t) => ({ name: t.name, capital: t.capital, allocated: t.allocated })),
      crews: s.crews.map((c) => ({
        id: c.id,
        team: c.team,
        module: c.module,
        symbol: c.symbol,
        interval: c.interval,
        status: c.status,
        capital: c.capital,
        equity: c.equity,
        pnl: c.pnl,
        pnlPct: c.pnlPct,
        drawdownPct: c.drawdownPct,
      })),
      openProposals: this.proposals.list().map((p) => ({ id: p.id, summary: p.summary })),
    };
  }

  private async optimization(module: string | undefined): Promise<unknown> {
    const journal = this.service.desk.journal;
    const index = (await journal.getSetting<OptimizationIndexEntry[]>('optimize.index')) ?? [];
    for (let i = index.length - 1; i >= 0; i--) {
      const entry = index[i]!;
      if (module !== undefined && entry.crew !== module) continue;
      const stored = await journal.getSetting<StoredOptimization>(entry.key);
      if (!stored?.result) continue;
      const r = stored.result;
      const k = (x: { totalReturnPct: number; maxDrawdownPct: number; sharpe: number | null; winRatePct: number | null; roundTrips: number }) => ({
        returnPct: round(x.totalReturnPct),
        maxDrawdownPct: round(x.maxDrawdownPct),
        sharpe: x.sharpe === null ? null : round(x.sharpe),
        winRatePct: x.winRatePct === null ? null : round(x.winRatePct),
        roundTrips: x.roundTrips,
      });
      return {
        key: entry.key,
        at: stored.at,
        module: r.crew,
        symbol: r.symbol,
        interval: r.interval,
        metric: r.metric,
        combinations: r.combinations,
        inSample: { from: iso(r.inSample?.start), to: iso(r.inSample?.end) },
        outOfSample: { from: iso(r.outOfSample?.start), to: iso(r.outOfSample?.end) },
        top: (r.top ?? []).slice(0, 5).map((t) => ({ rank: t.rank, params: t.params, inSample: k(t.inSample.kpis), outOfSample: k(t.outOfSample.kpis) })),
        walkForward: r.walkForward ? { windows: r.walkForward.windows.length, compoundedReturnPct: round(r.walkForward.compoundedReturnPct) } : null,
      };
    }
    return { none: module ? `no optimization journaled for module "${module}"` : 'no optimization journaled yet (the owner runs `crewdesk optimize`)' };
  }

  // ── Memory ──

  private history(key: string): BaseMessage[] {
    return (this.memory.get(key) ?? []).map((t) =>
      t.role === 'assistant'
        ? new AIMessage(t.text)
        : t.role === 'user'
          ? new HumanMessage(t.text)
          : new HumanMessage(`Desk note (from crewdesk itself):\n${dataBlock('desk_note', t.text)}`),
    );
  }

  private remember(key: string, ...turns: Turn[]): void {
    if (this.config.memoryTurns === 0) return;
    const list = this.memory.get(key) ?? [];
    this.memory.delete(key); // re-inserted last: the map's order is least recently used first
    list.push(...turns);
    // The last `memoryTurns` turns (a message, its answer, the notes after it), and no more than MAX_MEMORY_CHARS.
    const users = () => list.filter((t) => t.role === 'user').length;
    const chars = () => list.reduce((n, t) => n + t.text.length, 0);
    while (list.length > 2 && (users() > this.config.memoryTurns || chars() > MAX_MEMORY_CHARS)) list.shift();
    while (list[0]?.role === 'assistant') list.shift();
    this.memory.set(key, list);
    while (this.memory.size > MAX_CONVERSATIONS) this.memory.delete(this.memory.keys().next().value!);
  }

  private note(key: string | null, text: string): void {
    if (key !== null && this.memory.has(key)) this.remember(key, { role: 'note', text });
  }

  // ── Journal and events ──

  private async audit(action: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.service.desk.journal.recordAudit({ actor: MANAGER_ACTOR.id, via: MANAGER_ACTOR.via, action, detail, at: this.service.desk.clock.now() });
    } catch (error) {
      this.log.error({ action, err: message(error) }, 'manager: audit entry not written');
    }
  }

  private alert(kind: AlertKind, text: string): void {
    this.log.warn({ kind }, `manager: ${text}`);
    this.emit({ type: 'alert', kind, message: text, at: this.now() });
    void this.audit('manager.alert', { kind, message: text });
  }

  private emit(event: ManagerEvent): void {
    for (const listener of this.listeners) {
      try {
        const r = listener(event);
        if (r && typeof (r as Promise<void>).catch === 'function')
          (r as Promise<void>).catch((error: unknown) => this.log.error({ event: event.type, err: message(error) }, 'manager listener failed'));
      } catch (error) {
        this.log.error({ event: event.type, err: message(error) }, 'manager listener failed');
      }
    }
  }
}

/** What the owner typed, as data: a request to weigh, never rules that override the system prompt. */
export function chatMessage(text: string, actor: Actor): string {
  const who = actor.isOwner ? 'the owner' : 'a user who is not an owner (answer questions; changes still go to an owner)';
  return `Message from ${who} (${actor.via}:${actor.id}):\n${dataBlock('chat_message', text)}`;
}

export function notConfiguredText(reason: string | null): string {
  return [
    `The manager (an LLM) is not configured${reason ? `: ${reason}` : ''}. The slash commands all work: /help lists them.`,
    'To enable it, set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (an OpenAI-compatible server such as Ollama, LM Studio, vLLM or llama.cpp) and restart crewdesk. See docs/manager.md.',
  ].join('\n');
}

export function usageText(u: UsageReport): string {
  const line = (label: string, f: UsageReport['today']) =>
    `${label}: ${f.total.toLocaleString('en-US')} tokens (${f.input.toLocaleString('en-US')} in, ${f.output.toLocaleString('en-US')} out) in ${f.calls} calls — ≈ ${f.cost.toFixed(4)} ${u.currency}` +
    ` [chat ${f.byPurpose.chat.calls}, evaluation ${f.byPurpose.evaluation.calls}, report ${f.byPurpose.report.calls}, forge ${f.byPurpose.forge.calls} calls]${f.estimatedCalls ? ` (${f.estimatedCalls} estimated: the server sent no usage)` : ''}`;
  // The forge's share, said apart: drafting a crew can cost more than a day of chat.
  const forge = ({ byPurpose: { forge: f } }: UsageReport['today']) =>
    `  of which the forge: ${(f.input + f.output).toLocaleString('en-US')} tokens (${f.input.toLocaleString('en-US')} in, ${f.output.toLocaleString('en-US')} out) in ${f.calls} calls`;
  return [
    `Model ${u.model}`,
    line(`Today (${u.day} UTC)`, u.today),
    forge(u.today),
    line(`This month (${u.month})`, u.thisMonth),
    forge(u.thisMonth),
    `Daily budget ${u.budget.daily.toLocaleString('en-US')} tokens: ${u.budget.exhausted ? 'spent — no more calls until tomorrow (UTC)' : `${u.budget.remaining.toLocaleString('en-US')} left`}`,
  ].join('\n');
}

function proposalsText(proposals: readonly Proposal[]): string {
  if (proposals.length === 0) return '';
  const lines = proposals.map((p) => `• ${p.id}: ${p.summary} — expires ${new Date(p.expiresAt).toISOString().slice(11, 16)} UTC`);
  return `\n\nWaiting for your approval:\n${lines.join('\n')}`;
}

function failureText(result: Extract<AgentResult, { ok: false }>, actions: readonly { summary: string; result: string }[]): string {
  const head =
    result.kind === 'budget'
      ? `I cannot answer now: ${result.message}. The slash commands still work.`
      : `The model did not give a usable answer (${result.message}). Nothing more was done and nothing waits for approval from this turn.`;
  return actions.length ? `${head}\nDone before that: ${actions.map((a) => a.result).join('; ')}.` : head;
}

function doneActions(outcomes: readonly RunOutcome[]): { summary: string; result: string }[] {
  return outcomes.flatMap((o) => (o.kind === 'done' ? [{ summary: o.summary, result: o.result }] : []));
}

function textOf(m: BaseMessage): string {
  const content = m.content;
  if (typeof content === 'string') return content;
  return content.map((part) => (typeof part === 'string' ? part : part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function iso(ms: number | undefined): string | null {
  return typeof ms === 'number' ? new Date(ms).toISOString().slice(0, 10) : null;
}
