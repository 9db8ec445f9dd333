#!/usr/bin/env node
// `npm run bench`: the benchmarks (bench/, beside src/: they may use the test fakes) as one JSON object.
import { register } from 'tsx/esm/api';
import { preloadNative } from './native-preload.js';

await preloadNative({ indicators: true });
register();
const { benchCommand } = await import('../bench/main.ts');
process.exitCode = await benchCommand(process.argv.slice(2));
