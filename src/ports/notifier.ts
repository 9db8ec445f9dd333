import type { EngineEvent, EventType } from '../core/events.ts';

/** Where events leave the process: the console, Discord channels, … A notifier must never throw into the engine. */
export interface Notifier {
  readonly name: string;
  /** The events it wants (default: all; a notifier that wants no candles spares the engine building candle events). */
  readonly types?: readonly EventType[];
  notify(event: EngineEvent): void | Promise<void>;
}
