#!/usr/bin/env node
// Entry point: registers the TypeScript loader (tsx) so that the sources and the
// crews dropped into crews/ as .ts files run without a build step, then hands over to the CLI.
import { register } from 'tsx/esm/api';
import { preloadNative } from './native-preload.js';

/** Commands that run crews (and so their indicators). */
const RUNS_CREWS = new Set(['start', 'backtest', 'optimize', 'worker']);
await preloadNative({ indicators: RUNS_CREWS.has(process.argv[2]) });
register();
const { main } = await import('../src/app/main.ts');
process.exitCode = await main(process.argv.slice(2));
