// The forge's configuration (the `forge:` section; absent: no forge). zod, strict.
import { z } from 'zod';
import { INTERVALS } from '../core/domain.ts';

export const forgeConfigSchema = z
  .object({
    /** Model answers tried per draft: a refused one goes back with the checks' words. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** Candle files or folders the proof runs on; empty: the replay folder (`replay.data`). */
    data: z.array(z.string().min(1)).default([]),
    /** What the proof runs on unless the request says otherwise. */
    symbol: z
      .string()
      .regex(/^[A-Z0-9]{5,20}$/, 'a Binance spot symbol such as BTCUSDT')
      .default('BTCUSDT'),
    interval: z.enum(INTERVALS).default('1h'),
    /** Share of the candles that is in-sample; the rest is out-of-sample. */
    inSampleShare: z.number().min(0.5).max(0.9).default(0.7),
    /** Wall-clock limit of one sandboxed proof. */
    timeoutSeconds: z.number().int().min(10).max(1_800).default(120),
    /** Heap cap of the sandbox process. */
    memoryMb: z.number().int().min(128).max(4_096).default(512),
    /** Where approved modules go: inside the project (their imports resolve from its node_modules); list it in `crewDirs` too. */
    forgedDir: z.string().min(1).default('crews/forged'),
    /** Starting cash of the proof's backtests. */
    cash: z.number().positive().max(1e12).default(10_000),
  })
  .strict();

export type ForgeConfig = z.infer<typeof forgeConfigSchema>;
