// The crewdesk command line. Each subcommand lives in its own module, loaded on demand.
import { ConfigError } from '../config/load.ts';
import { UsageError } from './args.ts';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: { summary: 'run the desk (paper by default): crews, risk gate, journal, chat', load: async () => (await import('./start.ts')).startCommand },
  data: { summary: 'download historical candles (data.binance.vision, REST for recent days)', load: async () => (await import('./data-cli.ts')).dataCommand },
  emulator: {
    summary: 'run a local Binance Spot emulator (REST, market streams, WebSocket API)',
    load: async () => (await import('./emulator-cli.ts')).emulatorCommand,
  },
  'deploy-commands': {
    summary: 'register the slash commands with the Discord guild (only when they changed)',
    load: async () => (await import('./deploy-commands-cli.ts')).deployCommandsCommand,
  },
  backtest: {
    summary: 'backtest a crew or a team over past candles: KPIs, JSON, chart',
    load: async () => (await import('./backtest-cli.ts')).backtestCommand,
  },
  optimize: {
    summary: 'sweep a grid of crew params (warm worker threads, or a Redis queue of workers), in- and out-of-sample',
    load: async () => (await import('./backtest-cli.ts')).optimizeCommand,
  },
  worker: {
    summary: 'a research worker: take sweep runs from the Redis queue and run them',
    load: async () => (await import('./worker-cli.ts')).workerCommand,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `usage: crewdesk <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`crewdesk: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`crewdesk ${name}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`crewdesk ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
