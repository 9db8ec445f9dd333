// What `crewdesk start` replays when it trades on local data: candle files under the replay
// folder when they cover every subscription, else the seeded synthetic market. It says which.
import { existsSync } from 'node:fs';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';
import { SyntheticMarketData } from './synthetic.ts';
import { FileMarketData } from './file-market-data.ts';

export async function chooseReplayMarket(
  replay: { readonly data: string; readonly seed: number },
  subscriptions: readonly CandleSubscription[],
  resumeAfter?: number,
): Promise<MarketData> {
  if (existsSync(replay.data)) {
    const files = await FileMarketData.open([replay.data], resumeAfter !== undefined ? { from: resumeAfter + 1 } : {});
    const missing = subscriptions.filter((s) => !files.covers(s));
    if (missing.length === 0) return files;
  }
  // A year of one-minute candles from a month ago (so times look recent), or from where the last run stopped.
  const start = Math.max(Date.now() - 30 * 86_400_000, resumeAfter !== undefined ? resumeAfter + 1 : 0);
  return new SyntheticMarketData({ seed: replay.seed, start: start - (start % 60_000), count: 525_600 });
}
