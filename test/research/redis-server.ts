// A real redis-server of the test's own, on a free port, keeping nothing on disk: a test can stop
// and restart it without touching the shared one on 6379. When redis-server is not installed the
// queue tests fail, saying what to install: a green run always includes them.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export const NEEDS_REDIS =
  'needs redis-server on PATH (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis); .ci/run has it — these tests start their own on a free port';

/** The redis-server binary, or null when none is installed. */
export function redisServerBinary(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** The redis-server binary; a test file that needs it fails at once, saying what to install, when there is none. */
export function requireRedis(): string {
  const binary = redisServerBinary();
  if (binary === null) throw new Error(`no redis-server: this test ${NEEDS_REDIS}`);
  return binary;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export class RedisServer {
  private child: ChildProcess | null = null;

  private constructor(
    private readonly binary: string,
    readonly port: number,
  ) {}

  static async start(binary: string): Promise<RedisServer> {
    // The free port is closed before redis-server binds it: another process (a parallel test file's
    // server or client) may take it in between. Then redis-server exits at once, and another port is tried.
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(binary, await freePort());
      try {
        await server.up();
        return server;
      } catch (error) {
        if (attempt >= 5 || !/Address already in use/i.test(String(error))) throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again) on its port, empty; resolves once it accepts connections. */
  async up(): Promise<void> {
    if (this.child !== null) return;
    const child = spawn(this.binary, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => {
        if (this.child === child) this.child = null;
        reject(new Error(`redis-server on ${this.port} exited (${code}): ${out.slice(-500)}`));
      });
    });
    child.stdout!.resume();
  }

  /** Stops it (SIGTERM) and waits for the exit. */
  async down(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
