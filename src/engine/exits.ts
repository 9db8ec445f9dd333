// The template's common exits — stop-loss, take-profit, trailing stop, maximum holding time —
// evaluated for every crew from its params, so no crew writes them again.
import type { Advice, Candle } from '../core/domain.ts';
import type { ExitParams } from '../crew/template.ts';
import type { CrewBook } from './crew-book.ts';

export type ExitReason = 'stop-loss' | 'take-profit' | 'trailing-stop' | 'max-holding';

export interface ExitAdvice {
  readonly advice: Extract<Advice, { action: 'sell' }>;
  readonly exit: ExitReason;
}

/**
 * Checks a long position against its exits on a closed candle. Triggers use the candle's range
 * (low for stops, high for take-profit); the exit is a MARKET sell filled at the next open,
 * like every decision made at a candle's close.
 */
export function checkExits(params: ExitParams, book: CrewBook, candle: Candle, stopOnExchange = false): ExitAdvice | null {
  if (!book.isLong) return null;
  const entry = book.costBasisF / book.qtyF;
  // A stop resting on the exchange sells by itself (protective-stops.ts): checking it here too would sell twice.
  if (stopOnExchange) return checkOtherExits(params, book, candle, entry);
  if (params.stopLossPct > 0 && candle.low <= entry * (1 - params.stopLossPct / 100)) {
    return exit('stop-loss', `stop-loss: low ${candle.low} ≤ entry ${round(entry)} − ${params.stopLossPct}%`);
  }
  if (params.trailingStopPct > 0 && book.highSinceEntry > 0) {
    const stop = book.highSinceEntry * (1 - params.trailingStopPct / 100);
    if (candle.low <= stop) {
      return exit('trailing-stop', `trailing stop: low ${candle.low} ≤ ${round(stop)} (${params.trailingStopPct}% under the high ${book.highSinceEntry})`);
    }
  }
  return checkOtherExits(params, book, candle, entry);
}

/** Take-profit and maximum holding time: always the engine's. */
function checkOtherExits(params: ExitParams, book: CrewBook, candle: Candle, entry: number): ExitAdvice | null {
  if (params.takeProfitPct > 0 && candle.high >= entry * (1 + params.takeProfitPct / 100)) {
    return exit('take-profit', `take-profit: high ${candle.high} ≥ entry ${round(entry)} + ${params.takeProfitPct}%`);
  }
  if (params.maxHoldingMinutes > 0 && book.entryTime !== null && candle.closeTime + 1 - book.entryTime >= params.maxHoldingMinutes * 60_000) {
    return exit('max-holding', `held ${params.maxHoldingMinutes} minutes`);
  }
  return null;
}

function exit(kind: ExitReason, reason: string): ExitAdvice {
  return { exit: kind, advice: { action: 'sell', size: 1, reason } };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
