// Loads the big pure-JavaScript dependencies before the TypeScript loader (tsx) is registered.
// Under loader hooks every file of a package takes a round trip to the hooks thread: zod and
// trading-signals (~150 files each) took ~300 ms that way, ~120 ms natively. Loaded first, they
// are in the module cache when the TypeScript sources import them. Used by the CLI and by the
// sweep's worker threads (each starts its own loader). zod is at every boundary; the indicators
// only where crews run.
export async function preloadNative({ indicators = true } = {}) {
  await Promise.all([import('zod'), ...(indicators ? [import('trading-signals')] : [])]);
}
