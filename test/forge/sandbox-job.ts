// A sandbox job as the forge's tests ask for it: the draft on BTCUSDT 1h candles, default costs.
import type { SandboxJob } from '../../src/forge/sandbox.ts';
import { candlePath } from '../data/candle-fixtures.ts';
import { GOOD_NAME } from './drafts.ts';

export const sandboxJob = (source: string, extra: Partial<SandboxJob> = {}): SandboxJob => ({
  name: GOOD_NAME,
  source,
  symbol: 'BTCUSDT',
  interval: '1h',
  data: [candlePath('btc1h')],
  cash: 10_000,
  feeBps: 10,
  inSampleShare: 0.7,
  compare: false,
  ...extra,
});
