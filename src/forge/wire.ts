// Builds the forge for a running desk, from the config's `forge:` section and the manager's model
// and token budget. Null (with the reason) when there is no `forge:` section or no model.
import { mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Desk } from '../desk/desk.ts';
import type { Config } from '../config/schema.ts';
import type { ManagerService } from '../manager/manager.ts';
import type { DeskService } from '../services/desk-service.ts';
import { workerChecker } from './checker.ts';
import { PROJECT_ROOT } from './checks.ts';
import { deskForgeHost } from './desk-host.ts';
import { langchainForgeModel } from './model.ts';
import { type ForgeProver, proveInSandbox } from './sandbox.ts';
import { ForgeService } from './service.ts';

export function createForge(options: {
  readonly config: Config;
  readonly desk: Desk;
  readonly deskService: DeskService;
  readonly manager: ManagerService;
  /** The research back end's prover (a queue's workers); absent: proofs run in this machine's sandbox. */
  readonly prove?: ForgeProver | null;
}): { forge: ForgeService; warning: string | null; close(): Promise<void> } | { forge: null; reason: string } {
  const { config, desk, deskService, manager } = options;
  const settings = config.forge;
  if (!settings) return { forge: null, reason: 'no `forge:` section in the config' };
  const model = manager.chatModel;
  if (!model) return { forge: null, reason: 'the forge needs the manager’s model (OPENAI_API_KEY)' };
  const forgedDir = resolve(settings.forgedDir);
  if (relative(PROJECT_ROOT, forgedDir).startsWith('..')) {
    return { forge: null, reason: `forge.forgedDir ${forgedDir} is outside the project (${PROJECT_ROOT}): an approved module's imports would not resolve` };
  }
  const draftsDir = join(dirname(resolve(config.journal)), 'forge-drafts');
  mkdirSync(draftsDir, { recursive: true });
  // The compiler in a worker thread, warmed up there as it starts: neither its cold start nor a
  // draft's type check ever holds the desk's event loop (it does not keep the process alive).
  const checker = workerChecker();
  const forge = new ForgeService(
    draftsDir,
    langchainForgeModel(model, config.manager.provider.timeoutSeconds * 1000),
    manager.usageLedger,
    deskForgeHost(desk, deskService),
    {
      maxAttempts: settings.maxAttempts,
      data: settings.data.length > 0 ? settings.data : [config.replay.data],
      symbol: settings.symbol,
      interval: settings.interval,
      inSampleShare: settings.inSampleShare,
      limits: { timeoutMs: settings.timeoutSeconds * 1000, memoryMb: settings.memoryMb },
      forgedDir,
      cash: settings.cash,
      feeBps: config.paper.feeBps,
    },
    Date.now,
    checker.check,
    options.prove ?? proveInSandbox,
  );
  manager.attachForge(forge);
  const listed = config.crewDirs.some((d) => resolve(d) === forgedDir);
  return {
    forge,
    warning: listed ? null : `forge: add "${settings.forgedDir}" to crewDirs, or approved crews will not load after a restart`,
    // The compiler's worker, once it has checked a draft, holds the process open: the desk's stop ends it.
    close: () => checker.close(),
  };
}
