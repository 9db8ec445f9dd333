// The manager's clock: the live evaluation (default hourly) and the daily report (time and time
// zone from the config), as node-cron tasks. The report is scheduled whenever reporting is on,
// with or without a model (the model only adds commentary); the evaluation needs a model. A job
// never throws and never overlaps itself; a failing job is logged and alerted, and trading goes
// on. Tests call the jobs directly.
import { createTask, type ScheduledTask } from 'node-cron';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { ManagerConfig } from '../config/manager.ts';
import type { ManagerService } from './manager.ts';

export class ManagerScheduler {
  private tasks: ScheduledTask[] = [];

  constructor(
    private readonly manager: Pick<ManagerService, 'evaluate' | 'runDailyReport' | 'expireDue'> & { readonly configured?: boolean },
    private readonly config: Pick<ManagerConfig, 'evaluation' | 'report'>,
    private readonly log: Logger = silentLogger(),
  ) {}

  /** Starts the cron tasks that are enabled. Calling it twice does nothing more. */
  start(): void {
    if (this.tasks.length > 0) return;
    const timezone = this.config.report.timezone;
    // Without a model an evaluation has nobody to think: it would only log "skipped" every hour.
    if (this.config.evaluation.enabled && this.manager.configured !== false) {
      this.tasks.push(createTask(this.config.evaluation.cron, () => this.evaluation(), { name: 'manager-evaluation', timezone, noOverlap: true }));
    }
    if (this.config.report.enabled) {
      this.tasks.push(createTask(this.config.report.cron, () => this.dailyReport(), { name: 'manager-daily-report', timezone, noOverlap: true }));
    }
    for (const task of this.tasks) void task.start();
  }

  /** The names of the tasks started (manager-evaluation, manager-daily-report). */
  get jobs(): string[] {
    return this.tasks.map((t) => t.name ?? '');
  }

  async stop(): Promise<void> {
    const tasks = this.tasks;
    this.tasks = [];
    for (const task of tasks) await task.destroy();
  }

  /** The evaluation job: open proposals past their time expire first, then the manager looks at the desk. */
  async evaluation(): Promise<void> {
    try {
      await this.manager.expireDue();
      const outcome = await this.manager.evaluate();
      if (outcome.status !== 'done') this.log.info({ outcome: outcome.status, reason: outcome.reason }, 'manager evaluation did not run through');
    } catch (error) {
      this.log.error({ err: error instanceof Error ? error.message : String(error) }, 'manager evaluation failed');
    }
  }

  /** The daily-report job. */
  async dailyReport(): Promise<void> {
    try {
      await this.manager.runDailyReport();
    } catch (error) {
      this.log.error({ err: error instanceof Error ? error.message : String(error) }, 'daily report failed');
    }
  }
}
