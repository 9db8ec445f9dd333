// The Management LLM's public surface: what the composition root, the chat and the CLI use.
export { type Autonomy, DEFAULT_MANAGER_CONFIG, type ManagerConfig, managerConfigSchema, resolveProvider } from '../config/manager.ts';
export {
  type AlertKind,
  type EvaluationOutcome,
  MANAGER_ACTOR,
  type ManagerEvent,
  type ManagerListener,
  type ManagerOptions,
  type ManagerReply,
  ManagerService,
  notConfiguredText,
  type Proposal,
  usageText,
} from './manager.ts';
export type { DailyReport } from './report.ts';
export { ManagerScheduler } from './scheduler.ts';
export type { ManagerBacktest } from './tools.ts';
export type { UsageReport } from './usage.ts';
