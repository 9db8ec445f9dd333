// A worker thread does not inherit the main thread's module loader: it registers tsx's loader
// itself, then imports its TypeScript entry. One bootstrap for every worker the desk starts (the
// sweep's pool, the desk's backtester, the forge's checks).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The source of an `eval: true` worker that loads `entry` (a .ts module) through tsx; `preloadNative` loads zod and trading-signals natively first. */
export function tsWorkerSource(entry: URL, options: { readonly preloadNative?: boolean } = {}): string {
  // require.resolve picks tsx's CommonJS build; its ESM twin sits beside it.
  const api = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const load = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  if (!options.preloadNative) return `${load};`;
  const preload = new URL('../../bin/native-preload.js', import.meta.url).href;
  return `import(${JSON.stringify(preload)}).then((p) => p.preloadNative()).then(() => ${load});`;
}
