// Real headless Chromium for the dashboard's tests: Debian's `chromium` package driven by
// playwright-core (no browser download). Without it the tests fail, naming the package to install:
// a green run always includes them.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Screenshots of each page (gitignored). */
export const ARTIFACTS = join(ROOT, 'test-artifacts/dashboard');

/** Null when Chromium is there; else what to do about it. */
export const chromiumMissing: string | null = existsSync(CHROMIUM)
  ? null
  : `they need Chromium, which is not at ${CHROMIUM}: install it with \`apt-get install chromium\` (or set CHROMIUM_PATH)`;

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
