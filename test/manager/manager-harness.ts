// A real desk (temp SQLite journal, paper exchange, real crews) with a ManagerService on top,
// driven by langchain's scripted fake chat model — or by any model a test passes, or none.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import type { AuditRecord } from '../../src/ports/journal.ts';
import { type ManagerConfig, managerConfigSchema } from '../../src/config/manager.ts';
import { type ManagerEvent, type ManagerOptions, ManagerService } from '../../src/manager/manager.ts';
import type { ManagerBacktest } from '../../src/manager/tools.ts';
import { DeskService } from '../../src/services/desk-service.ts';
import type { Actor } from '../../src/services/result.ts';
import { type Harness, openHarness, type TestCrew } from '../support/desk-harness.ts';

export const OWNER: Actor = { id: 'owner-1', via: 'discord', isOwner: true };
export const OTHER_OWNER: Actor = { id: 'owner-2', via: 'discord', isOwner: true };
export const STRANGER: Actor = { id: 'stranger', via: 'discord', isOwner: false };

/** Team alpha: 10,000 capital, two crews of 3,000 each; 4,000 unallocated. */
export const ALPHA_CREWS: TestCrew[] = [
  { id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', params: { fast: 10, slow: 30 }, capital: '3000' },
  { id: 'rsi-eth', crew: 'rsi-reversion', symbol: 'ETHUSDT', interval: '1h', params: {}, capital: '3000' },
];

/** The wall clock of the manager (proposals, budgets): a test moves it. */
export class TestClock {
  constructor(public t = Date.UTC(2025, 0, 15, 10, 0, 0)) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface ManagerHarness {
  readonly h: Harness;
  readonly service: DeskService;
  readonly manager: ManagerService;
  readonly events: ManagerEvent[];
  readonly clock: TestClock;
  audits(prefix?: string): Promise<AuditRecord[]>;
  dispose(): Promise<void>;
}

export interface ManagerHarnessOptions {
  readonly model?: BaseChatModel | null;
  readonly config?: Record<string, unknown>;
  readonly crews?: TestCrew[];
  readonly teams?: { name: string; capital: string; crews: TestCrew[] }[];
  readonly harness?: Harness;
  readonly backtest?: ManagerBacktest;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: TestClock;
  readonly risk?: Record<string, unknown>;
  readonly equitySnapshotMinutes?: number;
  /** A desk with paper beside a stand-in exchange (see openHarness). */
  readonly twoVenues?: boolean;
}

export function managerConfig(overrides: Record<string, unknown> = {}): ManagerConfig {
  return managerConfigSchema.parse(overrides);
}

export async function openManager(options: ManagerHarnessOptions = {}): Promise<ManagerHarness> {
  const h =
    options.harness ??
    (await openHarness({
      crews: options.crews ?? ALPHA_CREWS,
      teams: options.teams ?? [{ name: 'alpha', capital: '10000', crews: options.crews ?? ALPHA_CREWS }],
      risk: options.risk ?? { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
      ...(options.equitySnapshotMinutes !== undefined ? { equitySnapshotMinutes: options.equitySnapshotMinutes } : {}),
      ...(options.twoVenues ? { twoVenues: true } : {}),
    }));
  const service = new DeskService(h.desk);
  const clock = options.clock ?? new TestClock();
  const managerOptions: ManagerOptions = {
    service,
    config: managerConfig(options.config),
    now: clock.now,
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.backtest ? { backtest: options.backtest } : {}),
  };
  const manager = await ManagerService.create(managerOptions);
  const events: ManagerEvent[] = [];
  manager.subscribe((e) => {
    events.push(e);
  });
  return {
    h,
    service,
    manager,
    events,
    clock,
    async audits(prefix = '') {
      await h.desk.journal.flush();
      return (await h.desk.journal.getAudit()).filter((a) => a.action.startsWith(prefix));
    },
    async dispose() {
      await manager.close();
      await h.dispose();
    },
  };
}

/** An answer with usage metadata, as a provider reports it. */
export function answer(text: string, usage: { input: number; output: number } = { input: 100, output: 20 }): AIMessage {
  return new AIMessage({ content: text, usage_metadata: { input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.input + usage.output } });
}

/** An answer that calls tools, with usage metadata. */
export function callTools(
  calls: { name: string; args: Record<string, unknown> }[],
  usage: { input: number; output: number } = { input: 100, output: 20 },
): AIMessage {
  return new AIMessage({
    content: '',
    tool_calls: calls.map((c, i) => ({
      name: c.name,
      args: c.args,
      id: `call_${c.name}_${i}_${Math.random().toString(36).slice(2, 8)}`,
      type: 'tool_call' as const,
    })),
    usage_metadata: { input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.input + usage.output },
  });
}

export { fakeModel };

/** The text of every message the fake model received in its `n`-th call. */
export function seen(model: ReturnType<typeof fakeModel>, n: number): string {
  const call = model.calls[n];
  if (!call) throw new Error(`the model was called ${model.calls.length} times, not ${n + 1}`);
  return call.messages.map((m) => m.text).join('\n---\n');
}

/** The tool answers (ToolMessage contents) in the fake model's `n`-th call. */
export function toolAnswers(model: ReturnType<typeof fakeModel>, n: number): string[] {
  const call = model.calls[n];
  if (!call) throw new Error(`the model was called ${model.calls.length} times, not ${n + 1}`);
  return call.messages.filter((m) => m.type === 'tool').map((m) => m.text);
}
