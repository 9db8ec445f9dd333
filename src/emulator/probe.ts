// Measurement hooks, for benchmarks only: the emulator calls them at fixed instants and does
// nothing else with them. Unset (the default), they cost one property read per request.
import type { IncomingMessage } from 'node:http';

export interface EmulatorProbe {
  /** An HTTP request has arrived: its headers are parsed, before any of its processing (the body may still be on its way). */
  requestReceived?: (req: IncomingMessage, at: number) => void;
  /** A WebSocket API request has arrived, before any of its processing; `at` is when the bytes that
   * completed its frame arrived (before the emulator read the frames ahead of it in those bytes). */
  wsApiRequestReceived?: (method: string, params: Readonly<Record<string, unknown>>, at: number) => void;
  /** A candle's closing tick is about to be written to the market streams' subscribers (before the first write). */
  finalKlineSending?: (symbol: string, at: number) => void;
}

/** The process's probe: set its hooks before starting the emulator (e.g. in a benchmark's emulator process). */
export const probe: EmulatorProbe = {};
