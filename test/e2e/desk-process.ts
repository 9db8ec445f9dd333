// The real composition root for end-to-end tests: `crewdesk start` (bin/crewdesk.js) as a child
// process, paper trading on a local replay of real candles, run from the fake Discord
// (test/fakes/discord) with the commands registered as deploy-commands does, and the manager on
// the OpenAI-compatible stub (test/fakes/openai-stub) when one is given.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCommands, specsOf } from '../../src/chat/command-loader.ts';
import { deployCommands } from '../../src/discord/deploy.ts';
import { FAKE_DISCORD_IDS, FakeDiscord } from '../fakes/discord/fake-discord.ts';
import type { OpenAIStub } from '../fakes/openai-stub/server.ts';
import { candleDir } from '../data/candle-fixtures.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The real candles of ../shared/data/candles, or synthetic files just like them: the tests run the same either way (CI included). */
export const CANDLES = candleDir().dir;

export interface DeskProcess {
  readonly fake: FakeDiscord;
  readonly child: ChildProcess;
  readonly dir: string;
  readonly channels: { readonly trades: string; readonly alerts: string; readonly reports: string; readonly manager: string };
  stdout(): string;
  /** Types a line into the console (with `console: true`). */
  type(line: string): void;
  stderr(): string;
  /** Resolves once stdout holds `text` (or rejects after `timeoutMs`, with what the process printed). */
  printed(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  dispose(): Promise<void>;
}

export interface DeskProcessOptions {
  /** The config file's content (JSON); `journal` and `replay.data` are filled in when absent. */
  readonly config: Record<string, unknown>;
  readonly stub?: OpenAIStub;
  /** The console instead of Discord (no DISCORD_* variables; commands typed with `type`). */
  readonly console?: boolean;
  /** More environment for the process (e.g. CREWDESK_API_TOKEN), set after the inherited CREWDESK_* are dropped. */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startDeskProcess(options: DeskProcessOptions): Promise<DeskProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'crewdesk-e2e-'));
  const fake = await FakeDiscord.start({ waitTimeoutMs: 60_000 });
  const { commands } = await loadCommands();
  await deployCommands({ token: fake.token, applicationId: fake.application.id, guildId: fake.guild.id, apiUrl: fake.apiUrl, specs: specsOf(commands) });
  const channels = {
    trades: fake.channelId('trades'),
    alerts: fake.channelId('alerts'),
    reports: fake.channelId('reports'),
    manager: fake.channelId('manager'),
  };
  const configFile = join(dir, 'crewdesk.json');
  const config = { journal: join(dir, 'journal.sqlite'), ...options.config, replay: { data: CANDLES, ...(options.config.replay as object) } };
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(DISCORD_|OPENAI_|BINANCE_|CREWDESK_)/.test(k)) env[k] = v;
  const discord = options.console
    ? {}
    : {
        DISCORD_TOKEN: fake.token,
        DISCORD_APPLICATION_ID: fake.application.id,
        DISCORD_GUILD_ID: fake.guild.id,
        DISCORD_OWNER_IDS: FAKE_DISCORD_IDS.owner,
        DISCORD_API_URL: fake.apiUrl,
        DISCORD_TRADES_CHANNEL_ID: channels.trades,
        DISCORD_ALERTS_CHANNEL_ID: channels.alerts,
        DISCORD_REPORTS_CHANNEL_ID: channels.reports,
        DISCORD_MANAGER_CHANNEL_ID: channels.manager,
      };
  Object.assign(env, discord, {
    LOG_LEVEL: 'warn',
    ...(options.stub ? { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: options.stub.baseUrl } : {}),
    ...options.env,
  });
  const child = spawn(process.execPath, [join(ROOT, 'bin/crewdesk.js'), 'start', '--config', configFile, '--offline', '--exit-after', '600'], {
    cwd: dir,
    env,
    stdio: [options.console ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
    for (const w of waiters) w();
  });

  const printed = (text: string | RegExp, timeoutMs = 90_000) =>
    new Promise<void>((resolveWait, reject) => {
      const check = () => {
        if (typeof text === 'string' ? out.includes(text) : text.test(out)) return done(null);
        if (exitCode !== undefined) return done(new Error(`crewdesk exited (${exitCode}) before printing ${text}\nstdout:\n${out}\nstderr:\n${err}`));
      };
      const timer = setTimeout(() => done(new Error(`crewdesk did not print ${text} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
      const done = (error: Error | null) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error) reject(error);
        else resolveWait();
      };
      waiters.add(check);
      check();
    });

  const stop = async (timeoutMs = 30_000) => {
    if (exitCode === undefined) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };

  return {
    fake,
    child,
    dir,
    channels,
    stdout: () => out,
    type: (line) => {
      child.stdin!.write(`${line}\n`);
    },
    stderr: () => err,
    printed,
    stop,
    dispose: async () => {
      await stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
