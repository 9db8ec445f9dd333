import type { EngineEvent } from '../core/events.ts';

/** Where events leave the process: the console, Discord channels, … A notifier must never throw into the engine. */
export interface Notifier {
  readonly name: string;
  notify(event: EngineEvent): void | Promise<void>;
}
