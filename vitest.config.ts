import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start local servers and SQLite files; forks keep native modules isolated.
    pool: 'forks',
    // Both cores: most of the suite waits on child processes, sockets and timers, not the CPU (vitest's
    // default leaves one core idle, which doubled CI's wall time). No test may depend on an idle machine.
    maxWorkers: 2,
    // expect.poll gives up after 1 s by default: a busy machine (CI's two cores, a parallel test file) can take longer.
    expect: { poll: { timeout: 30_000 } },
    // An unhandled rejection or uncaught exception anywhere fails the run.
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
