// The forge as one service: idea → model → checks (refusals sent back in the checker's words, up
// to `maxAttempts`) → sandboxed proof → report with chart → the owner approves or rejects. The
// slash command, the console command and the manager's draft_crew tool all call this; only an
// owner approves (the manager's tool has no way to), and approval is the only path by which a
// draft's code reaches the desk.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { renderEquityChartOffThread } from '../backtest/chart-thread.ts';
import type { Interval } from '../core/domain.ts';
import type { TokenCount } from '../manager/usage.ts';
import { type Actor, fail, ok, type Result } from '../services/result.ts';
import { type DraftChecker, inlineChecker } from './checker.ts';
import { describeProblems, PROJECT_ROOT } from './checks.ts';
import { type Attempt, type Draft, DraftStore } from './drafts.ts';
import type { ForgeModel } from './model.ts';
import { forgeMessages } from './prompt.ts';
import { type ForgeProver, proveInSandbox, type SandboxLimits } from './sandbox.ts';

/** The manager's usage ledger, as the forge uses it: one budget for every model call of the desk. */
export interface ForgeBudget {
  check(): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: string }>;
  record(purpose: 'forge', tokens: TokenCount): Promise<void>;
}

/** What the forge needs of the running desk. */
export interface ForgeHost {
  crewNames(): readonly string[];
  /** The source of a crew module (a base to start from); null when unknown. */
  crewSource(name: string): string | null;
  /** Loads an approved module into the running desk's catalogue, without a restart. */
  addCrewModule(file: string): Promise<Result<void>>;
  /** Starts an instance on paper; refused when the desk does not trade on paper. */
  spawnPaper(
    request: { readonly crew: string; readonly symbol: string; readonly interval: Interval; readonly capital: string },
    actor: Actor,
  ): Promise<Result<string>>;
}

export interface ForgeSettings {
  readonly maxAttempts: number;
  /** Candle files or folders the proof runs on. */
  readonly data: readonly string[];
  readonly symbol: string;
  readonly interval: Interval;
  readonly inSampleShare: number;
  readonly limits: SandboxLimits;
  /** Where approved modules are written (a crewDirs entry). */
  readonly forgedDir: string;
  readonly cash: number;
  readonly feeBps: number;
}

export interface NewDraftRequest {
  readonly idea: string;
  readonly base?: string | undefined;
  readonly symbol?: string | undefined;
  readonly interval?: Interval | undefined;
}

export interface SpawnRequest {
  readonly symbol: string;
  readonly interval: Interval;
  readonly capital: string;
}

export class ForgeService {
  readonly store: DraftStore;

  constructor(
    draftsDir: string,
    private readonly model: ForgeModel,
    private readonly budget: ForgeBudget,
    private readonly host: ForgeHost,
    private readonly settings: ForgeSettings,
    private readonly now: () => number = Date.now,
    /** Where drafts are checked (the desk: a worker thread, off its event loop). */
    private readonly checkDraft: DraftChecker = inlineChecker,
    /** Where drafts are proven: this machine's sandbox, or a research worker's (the same sandbox there). */
    private readonly prove: ForgeProver = proveInSandbox,
  ) {
    this.store = new DraftStore(draftsDir);
  }

  /** Writes and proves a draft from an idea. Anyone may ask (the manager too); nothing runs in the desk. */
  async draft(request: NewDraftRequest, actor: Actor): Promise<Result<Draft>> {
    const idea = request.idea.trim();
    if (idea === '') return fail('give an idea, e.g. "buy when the close is above its 200 EMA and the RSI crosses up through 35"');
    if (idea.length > 2000) return fail(`the idea is ${idea.length} characters; keep it under 2000`);
    // A crew named in the idea ("rsi-reversion with a trend filter") is where the draft starts from.
    const baseName = request.base ?? this.host.crewNames().find((name) => new RegExp(`(^|[^a-z0-9-])${name}($|[^a-z0-9-])`).test(idea)) ?? null;
    let baseSource: string | null = null;
    if (baseName) {
      baseSource = this.host.crewSource(baseName);
      if (baseSource === null) return fail(`unknown crew "${baseName}" to start from (known: ${this.host.crewNames().join(', ')})`);
    }
    return this.forge({
      idea,
      base: baseName ? { name: baseName, source: baseSource! } : null,
      revises: null,
      feedback: null,
      symbol: request.symbol ?? this.settings.symbol,
      interval: request.interval ?? this.settings.interval,
      actor,
    });
  }

  /** A new draft from an earlier one and the owner's feedback; the earlier one stays as it was. */
  async revise(idOrName: string, feedback: string, actor: Actor): Promise<Result<Draft>> {
    const earlier = this.store.find(idOrName);
    if (!earlier) return fail(`no draft "${idOrName}" (see /forge list)`);
    if (feedback.trim() === '') return fail('say what to change');
    const last = [...earlier.attempts].reverse().find((a) => a.source !== null);
    return this.forge({
      idea: earlier.idea,
      base: last?.source ? { name: earlier.name ?? earlier.id, source: last.source } : null,
      revises: earlier.id,
      feedback: feedback.trim(),
      symbol: earlier.symbol,
      interval: earlier.interval as Interval,
      actor,
    });
  }

  list(): Draft[] {
    return this.store.list();
  }

  show(idOrName: string): Result<Draft> {
    const draft = this.store.find(idOrName);
    return draft ? ok(draft) : fail(`no draft "${idOrName}" (see /forge list)`);
  }

  async reject(idOrName: string, actor: Actor): Promise<Result<Draft>> {
    if (!actor.isOwner || actor.via === 'manager') return fail('only the owner rejects a draft');
    const draft = this.store.find(idOrName);
    if (!draft) return fail(`no draft "${idOrName}" (see /forge list)`);
    if (draft.state === 'approved' || draft.state === 'rejected') return fail(`draft ${draft.id} is ${draft.state} already`);
    return ok(this.update(draft, { state: 'rejected', decidedBy: actor.id }));
  }

  /**
   * The owner accepts the draft's code as their own: it is written to the forged-crews folder,
   * loaded into the running desk, and, when asked, spawned on paper. Never the manager.
   */
  async approve(idOrName: string, actor: Actor, spawn?: SpawnRequest): Promise<Result<{ draft: Draft; file: string; spawned: string | null }>> {
    if (!actor.isOwner || actor.via === 'manager') return fail('only the owner approves a draft: approval means accepting its code as your own');
    const draft = this.store.find(idOrName);
    if (!draft) return fail(`no draft "${idOrName}" (see /forge list)`);
    if (draft.state !== 'proven') return fail(`draft ${draft.id} is ${draft.state}: only a proven draft can be approved`);
    const source = draft.attempts.at(-1)?.source;
    if (!draft.name || !source) return fail(`draft ${draft.id} has no module`);
    if (this.host.crewNames().includes(draft.name)) return fail(`crew name "${draft.name}" is taken now: revise the draft under a new name`);

    const file = join(this.settings.forgedDir, `${draft.name}.ts`);
    writeAtomically(file, moduleFor(source, this.settings.forgedDir));
    const loaded = await this.host.addCrewModule(file);
    if (!loaded.ok) return fail(`written to ${file}, but not loaded: ${loaded.error}`);
    const approved = this.update(draft, { state: 'approved', decidedBy: actor.id, approvedFile: file });
    let spawned: string | null = null;
    if (spawn) {
      const result = await this.host.spawnPaper({ crew: draft.name, ...spawn }, actor);
      if (!result.ok) return fail(`approved and loaded as ${draft.name}, but not spawned: ${result.error}`);
      spawned = result.value;
    }
    return ok({ draft: approved, file, spawned });
  }

  private async forge(input: {
    idea: string;
    base: { name: string; source: string } | null;
    revises: string | null;
    feedback: string | null;
    symbol: string;
    interval: Interval;
    actor: Actor;
  }): Promise<Result<Draft>> {
    const budget = await this.budget.check();
    if (!budget.ok) return fail(budget.reason);
    const at = this.now();
    let draft: Draft = {
      id: this.store.nextId(),
      idea: input.idea,
      base: input.base?.name ?? null,
      baseSource: input.base?.source ?? null,
      revises: input.revises,
      feedback: input.feedback,
      requestedBy: `${input.actor.via}:${input.actor.id}`,
      symbol: input.symbol,
      interval: input.interval,
      state: 'writing',
      name: null,
      attempts: [],
      proof: null,
      failure: null,
      chartFile: null,
      approvedFile: null,
      decidedBy: null,
      createdAt: at,
      updatedAt: at,
    };
    this.store.save(draft);

    const taken = new Set([...this.host.crewNames(), ...this.pendingNames()]);
    let previous: { fileName: string; source: string; problems: string } | undefined;
    let passed: Attempt | null = null;
    for (let n = 1; n <= this.settings.maxAttempts && passed === null; n++) {
      if (n > 1) {
        const again = await this.budget.check();
        if (!again.ok) return ok(this.update(draft, { state: 'failed', failure: again.reason }));
      }
      const messages = forgeMessages({
        idea: input.idea,
        takenNames: [...taken],
        base: input.base ?? undefined,
        previous,
        feedback: input.feedback ?? undefined,
      });
      let reply: Awaited<ReturnType<typeof this.model.complete>>;
      try {
        reply = await this.model.complete(messages);
      } catch (error) {
        return ok(this.update(draft, { state: 'failed', failure: `the model call failed: ${error instanceof Error ? error.message : String(error)}` }));
      }
      await this.budget.record('forge', reply.tokens);
      const sub = reply.submission;
      const checks = sub ? await this.checkDraft({ fileName: sub.fileName, source: sub.source, existingNames: taken }) : null;
      const problems = !sub
        ? 'the answer held no module: call submit_crew with fileName and source, or answer with the file name and one ```ts fenced block'
        : checks!.ok
          ? ''
          : describeProblems(checks!);
      const attempt: Attempt = { n, fileName: sub?.fileName ?? null, source: sub?.source ?? null, checks, problems, tokens: reply.tokens };
      draft = this.update(draft, { attempts: [...draft.attempts, attempt], name: checks?.name ?? draft.name });
      if (problems === '') passed = attempt;
      else if (sub) previous = { fileName: sub.fileName, source: sub.source, problems };
    }
    if (passed === null) {
      return ok(this.update(draft, { state: 'failed', failure: `no attempt of ${this.settings.maxAttempts} passed the checks` }));
    }

    draft = this.update(draft, { state: 'proving' });
    const proof = await this.prove(
      {
        name: draft.name!,
        source: passed.source!,
        symbol: input.symbol,
        interval: input.interval,
        data: this.settings.data,
        cash: this.settings.cash,
        feeBps: this.settings.feeBps,
        inSampleShare: this.settings.inSampleShare,
        compare: true,
      },
      this.settings.limits,
    );
    if (!proof.ok) return ok(this.update(draft, { state: 'failed', proof, failure: `${proof.stage}: ${proof.reason}` }));
    let chartFile: string | null = null;
    try {
      const png = await renderEquityChartOffThread({
        title: `Forge draft ${draft.id}: ${draft.name} on ${proof.symbol} ${proof.interval}`,
        subtitle: `in-sample ${proof.inSample.totalReturnPct.toFixed(2)} %, out-of-sample ${proof.outOfSample.totalReturnPct.toFixed(2)} %`,
        series: [{ label: draft.name!, points: proof.equity }],
        valueLabel: 'Equity',
      });
      chartFile = join(this.store.dir, `${draft.id}.png`);
      writeAtomically(chartFile, png);
    } catch {
      chartFile = null; // a report without its picture is still a report
    }
    return ok(this.update(draft, { state: 'proven', proof, chartFile }));
  }

  private pendingNames(): string[] {
    return this.store
      .list()
      .filter((d) => d.state === 'proven' && d.name)
      .map((d) => d.name!);
  }

  private update(draft: Draft, change: Partial<Draft>): Draft {
    const next: Draft = { ...draft, ...change, updatedAt: this.now() };
    this.store.save(next);
    return next;
  }
}

/** The module with its template and domain imports made relative to the folder it is written to. */
export function moduleFor(source: string, dir: string): string {
  const file = ts.createSourceFile('draft.ts', source, ts.ScriptTarget.ES2022, true);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const spec = statement.moduleSpecifier.text;
    if (!spec.startsWith('../../src/')) continue;
    let target = relative(dir, join(PROJECT_ROOT, spec.slice('../../'.length)));
    if (!target.startsWith('.')) target = `./${target}`;
    edits.push({ start: statement.moduleSpecifier.getStart(file), end: statement.moduleSpecifier.getEnd(), text: `'${target}'` });
  }
  let out = source;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function writeAtomically(file: string, content: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, file);
}
