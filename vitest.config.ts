import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start local servers and SQLite files; forks keep native modules isolated.
    pool: 'forks',
    // An unhandled rejection or uncaught exception anywhere fails the run.
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
