// `crewdesk emulator`: runs the local Binance Spot emulator until interrupted. The first line of
// stdout is its base URL (for scripts and child-process tests); the API key and secret come
// from BINANCE_API_KEY / BINANCE_API_SECRET and are printed nowhere.
import { numberFlag, parseFlags, UsageError } from './args.ts';
import { startEmulator } from '../emulator/emulator.ts';

const USAGE = `usage: crewdesk emulator [--port N] [--data FILE|DIR] [--speed X] [--balances USDT=10000,BTC=0]
                         [--history N] [--fee-bps N] [--seed N]

  --port N        port on 127.0.0.1 (0, the default: any free port)
  --data PATH     a candle CSV (BTCUSDT-1m-2024-01.csv) or a folder of them; default: synthetic
                  BTCUSDT and ETHUSDT 1m candles ending now
  --speed X       candles per second (default 1; 1/60 is real time for 1m data);
                  0: manual, the market moves only on POST /__admin/step
  --balances      starting balances, ASSET=AMOUNT separated by commas (default USDT=10000)
  --history N     candles per symbol already closed at start, served by klines (default 500)
  --fee-bps N     commission in basis points (default 10)
  --seed N        seed of the synthetic market (default 42)

Needs BINANCE_API_KEY and BINANCE_API_SECRET: the one account's credentials.
Admin (for tests): GET /__admin/state, POST /__admin/knobs, /__admin/step, /__admin/tick,
/__admin/disconnect, /__admin/price.
`;

export function parseBalances(text: string): Record<string, string> {
  const balances: Record<string, string> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const match = /^([A-Z0-9]{2,12})=(\d+(?:\.\d+)?)$/.exec(item);
    if (match === null) throw new UsageError(`--balances: "${item}" is not ASSET=AMOUNT (e.g. USDT=10000)`);
    balances[match[1]!] = match[2]!;
  }
  if (Object.keys(balances).length === 0) throw new UsageError('--balances: no balance given');
  return balances;
}

export async function emulatorCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string' },
    data: { type: 'string' },
    speed: { type: 'string' },
    balances: { type: 'string' },
    history: { type: 'string' },
    'fee-bps': { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = numberFlag(values.port, 'port', (n) => Number.isInteger(n) && n >= 0 && n <= 65_535);
  const speed = numberFlag(values.speed, 'speed', (n) => n >= 0) ?? 1;
  const history = numberFlag(values.history, 'history', (n) => Number.isInteger(n) && n >= 0);
  const feeBps = numberFlag(values['fee-bps'], 'fee-bps', (n) => n >= 0 && n <= 1000);
  const seed = numberFlag(values.seed, 'seed', Number.isInteger);
  if (!process.env.BINANCE_API_KEY || !process.env.BINANCE_API_SECRET) {
    throw new UsageError("set BINANCE_API_KEY and BINANCE_API_SECRET: they are the emulated account's credentials");
  }

  const emulator = await startEmulator({
    speed,
    ...(port !== undefined && { port }),
    ...(values.data !== undefined && { data: values.data }),
    ...(values.balances !== undefined && { balances: parseBalances(values.balances) }),
    ...(history !== undefined && { history }),
    ...(feeBps !== undefined && { feeBps }),
    ...(seed !== undefined && { seed }),
  });
  process.stdout.write(
    `${emulator.restUrl}\n` +
      `ws streams: ${emulator.wsStreamUrl}  (raw: ${emulator.wsStreamUrl}/ws/<stream>)\n` +
      `ws api:     ${emulator.wsApiUrl}\n` +
      `symbols:    ${emulator.symbols.join(', ')}; speed ${speed === 0 ? 'manual' : `${speed} candles/s`}\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
  return 0;
}
