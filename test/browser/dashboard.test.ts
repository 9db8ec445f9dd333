// The dashboard in real headless Chromium against the real `crewdesk start` process (paper trading
// on a local replay of real candles, the console, the API on a free port, the manager on the
// OpenAI-compatible stub): sign in with the printed link, see the crews and the equity chart, a fill
// arriving live without a reload, halt from the page and the console's /status agreeing, approve
// the manager's proposal, and a param editor that stops at its bound. A screenshot of every page
// goes to test-artifacts/dashboard/.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatRequest, OpenAIStub } from '../fakes/openai-stub/server.ts';
import { type DeskProcess, startDeskProcess } from '../e2e/desk-process.ts';
import { ARTIFACTS, chromiumMissing, launchChromium } from './chromium.ts';

const TOKEN = 'dashboard-test-token-0123456789abcdef';
const LONG = 90_000;
const RATIONALE = 'Two whipsaws in the last ten candles: a slower slow SMA (5) should cut them; within bounds 2–500.';

/**
 * The stub plays a manager whose first hourly evaluation (here every 5 s) proposes one param change,
 * and whose later ones find nothing to change. An evaluation's proposal is for any owner to answer
 * (one made in a chat is for the owner who asked), so the dashboard's owner may approve it.
 */
function manager() {
  let proposed = false;
  return (request: ChatRequest) => {
    if (request.messages.some((m) => m.role === 'tool')) return { content: 'I proposed raising sma-btc slow to 5. Nothing changes until you approve.' };
    if (request.tools?.length && !proposed) {
      proposed = true;
      return { toolCalls: [{ name: 'adjust_params', arguments: { crew: 'sma-btc', param: 'slow', value: 5, rationale: RATIONALE } }] };
    }
    return { content: 'Nothing to change.' };
  };
}

describe('the dashboard in headless Chromium, against crewdesk start', () => {
  let stub: OpenAIStub;
  let desk: DeskProcess;
  let browser: Browser;
  let page: Page;
  let base: string;
  /** Uncaught errors in the page's scripts: there must be none. */
  const pageErrors: string[] = [];

  /** The API as a script would call it (to check what the page did). */
  async function apiGet<T>(path: string): Promise<T> {
    const response = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status, `${path}: ${response.status}`).toBe(200);
    return (await response.json()) as T;
  }

  async function shoot(name: string): Promise<void> {
    // No hover crosshair in the picture.
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    // A suite that passes without its browser tests would say the dashboard was tested when it was not.
    if (chromiumMissing) throw new Error(`the dashboard's browser tests cannot run: ${chromiumMissing}`);
    stub = await OpenAIStub.start();
    const step = manager();
    stub.script(...Array.from({ length: 500 }, () => step));
    desk = await startDeskProcess({
      console: true,
      stub,
      env: { CREWDESK_API_TOKEN: TOKEN },
      config: {
        mode: 'paper',
        // An equity point per hourly candle; two hourly candles a second: the replay of Q1 2021 (18 min) outlasts the test.
        equitySnapshotMinutes: 60,
        replay: { speed: 7_200 },
        api: { port: 0 },
        manager: { provider: { model: 'stub-model', maxRetries: 0 }, evaluation: { enabled: true, cron: '*/5 * * * * *' }, report: { enabled: false } },
        teams: [
          {
            name: 'alpha',
            capital: '6000',
            crews: [{ id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', capital: '3000', params: { fast: 2, slow: 3 } }],
          },
          {
            name: 'beta',
            capital: '4000',
            crews: [{ id: 'rsi-btc', crew: 'rsi-reversion', symbol: 'BTCUSDT', interval: '1h', capital: '2000', params: { period: 5 } }],
          },
        ],
      },
    });
    await desk.printed(/API and dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/, LONG);
    base = /API and dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(desk.stdout())![1]!;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    // The dashboard's content security policy must not block anything the pages themselves do.
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) pageErrors.push(message.text());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await desk?.dispose();
    await stub?.close();
  });

  it('refuses a wrong token in the sign-in form', async () => {
    await page.goto(base);
    await page.fill('#token-input', 'not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#sign-in-notice').textContent(), { timeout: LONG }).toBe('That token is not one the desk accepts.');
    expect(await page.evaluate("sessionStorage.getItem('crewdesk.token')")).toBeNull();
    await shoot('sign-in');
  }, 120_000);

  it('signs in with the printed link, keeps the token in the session only, and shows the crews and the equity chart', async () => {
    const link = /\(sign in: (http:\/\/\S+#token=\S+)\)/.exec(desk.stdout())![1]!;
    await page.goto(link);
    await page.getByRole('table').filter({ hasText: 'sma-btc' }).waitFor({ timeout: LONG });
    // The token is gone from the address and kept for this tab only.
    expect(page.url()).not.toContain(TOKEN);
    expect(await page.evaluate("sessionStorage.getItem('crewdesk.token')")).toBe(TOKEN);
    const crews = page.getByTestId('crews-table');
    await expect.poll(() => crews.textContent(), { timeout: LONG }).toContain('rsi-btc');
    // The equity chart is drawn (a canvas) from the journal's points.
    await expect.poll(async () => Number(await page.getByTestId('equity-chart').getAttribute('data-points')), { timeout: LONG }).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=equity-chart] canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#live').textContent(), { timeout: LONG }).toBe('live');
    await shoot('overview-start');
  }, 180_000);

  it('shows a fill as it arrives, without a reload', async () => {
    await page.evaluate('window.notReloaded = true');
    const fresh = page.locator('[data-testid=live-fills] li.fresh');
    const before = await fresh.count();
    await expect.poll(() => fresh.count(), { timeout: LONG }).toBeGreaterThan(before);
    expect(await fresh.first().textContent()).toMatch(/(sma-btc|rsi-btc) (BUY|SELL) [\d.]+ BTCUSDT @/);
    expect(await page.evaluate('window.notReloaded')).toBe(true);
  }, 120_000);

  it('halts from the page after a confirmation, and the console’s /status agrees', async () => {
    await page.selectOption('#halt-level', 'entries');
    await page.fill('#halt-reason', 'checking the dashboard');
    await page.getByRole('button', { name: 'Halt…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('“entries”');
    await shoot('halt-confirm');
    await page.getByRole('button', { name: 'Confirm halt' }).click();
    await expect.poll(() => page.getByTestId('halt-state').textContent(), { timeout: LONG }).toContain('Halted at entries by api: checking the dashboard');
    desk.type('/status');
    await desk.printed(/Halt[^\n]*ENTRIES[^\n]*by api: checking the dashboard/, LONG);
    const audit = await apiGet<{ via: string; action: string }[] | { entries: { via: string; action: string }[] }>('/api/v1/audit?limit=20');
    const rows = Array.isArray(audit) ? audit : audit.entries;
    expect(rows.some((r) => r.via === 'api' && /halt/.test(r.action))).toBe(true);
    // And resumed from the page again.
    await page.getByRole('button', { name: 'Resume trading' }).click();
    await expect.poll(() => page.getByTestId('halt-state').textContent(), { timeout: LONG }).toContain('Not halted');
  }, 180_000);

  it('approves the manager’s proposal from the page', async () => {
    await desk.printed(/manager proposes \((\S+)\)/, LONG);
    const id = /manager proposes \((\S+)\)/.exec(desk.stdout())![1]!;
    await page.goto(`${base}#/proposals`);
    const approve = page.getByRole('button', { name: `Approve ${id}` });
    await approve.waitFor({ timeout: LONG });
    await shoot('proposals');
    await approve.click();
    await expect.poll(() => page.getByTestId('proposal-notice').textContent(), { timeout: LONG }).toMatch(/slow|approved/i);
    await expect.poll(() => page.getByTestId('proposals-table').textContent(), { timeout: LONG }).toContain('no open proposals');
    const crew = await apiGet<{ params: { values: Record<string, unknown> } }>('/api/v1/crews/sma-btc');
    expect(crew.params.values.slow).toBe(5);
  }, 180_000);

  it('edits a param on the crew page and is stopped at its bound; pauses and resumes the crew', async () => {
    await page.goto(`${base}#/crew/sma-btc`);
    const fast = page.locator('#param-fast');
    await fast.waitFor({ timeout: LONG });
    expect(await fast.getAttribute('min')).toBe('1');
    expect(await fast.getAttribute('max')).toBe('200');
    // Beyond the bound: the page refuses it, and nothing is sent.
    await fast.fill('500');
    await page.getByRole('button', { name: 'Set fast' }).click();
    await expect.poll(() => page.locator('#param-fast-notice').textContent(), { timeout: LONG }).toMatch(/fast: .*200.*\(1 – 200\)/);
    expect((await apiGet<{ params: { values: Record<string, unknown> } }>('/api/v1/crews/sma-btc')).params.values.fast).toBe(2);
    // Within its own bounds but against the crew's rule (slow > fast): the server's 400 is shown as it says it.
    await fast.fill('9');
    await page.getByRole('button', { name: 'Set fast' }).click();
    await expect.poll(() => page.locator('#param-fast-notice').textContent(), { timeout: LONG }).toMatch(/fast = 9 refused/);
    // Within every bound: set.
    await fast.fill('3');
    await page.getByRole('button', { name: 'Set fast' }).click();
    await expect.poll(() => page.locator('#param-fast-notice').textContent(), { timeout: LONG }).toBe('fast set to 3.');
    expect((await apiGet<{ params: { values: Record<string, unknown> } }>('/api/v1/crews/sma-btc')).params.values.fast).toBe(3);
    // The candles, with the crew's fills marked.
    const candles = () => page.getByTestId('candle-chart').getAttribute('data-candles').then(Number);
    await expect.poll(candles, { timeout: LONG }).toBeGreaterThan(0);
    // New candles join the chart as the desk's time moves on, without a reload.
    const drawn = await candles();
    await expect.poll(candles, { timeout: LONG }).toBeGreaterThan(drawn);
    // Pause and resume from the page. A value typed and not yet sent outlives the refresh each change brings:
    // the same input, still holding it.
    const slow = await page.locator('#param-slow').elementHandle();
    await page.locator('#param-slow').fill('7');
    await page.getByRole('button', { name: 'Pause crew' }).click();
    await expect.poll(() => page.getByTestId('crew-figures').textContent(), { timeout: LONG }).toContain('Statuspaused');
    const kept = await slow!.evaluate((input) => {
      const field = input as unknown as { isConnected: boolean; value: string };
      return [field.isConnected, field.value];
    });
    expect(kept).toEqual([true, '7']);
    await page.getByRole('button', { name: 'Resume crew' }).click();
    await expect.poll(() => page.getByTestId('crew-figures').textContent(), { timeout: LONG }).toContain('Statusactive');
    await shoot('crew');
  }, 180_000);

  it('runs a backtest from its form: progress, then the KPIs and the chart', async () => {
    await page.goto(`${base}#/backtest`);
    await page.locator('#bt-module option[value="sma-cross"]').waitFor({ state: 'attached', timeout: LONG });
    await page.selectOption('#bt-module', 'sma-cross');
    await page.fill('#bt-symbol', 'BTCUSDT');
    await page.selectOption('#bt-interval', '1h');
    await page.fill('#bt-from', '2021-01-01');
    await page.fill('#bt-to', '2021-01-31');
    await page.getByRole('button', { name: 'Run backtest' }).click();
    const kpis = page.getByTestId('backtest-kpis');
    await kpis.waitFor({ timeout: LONG });
    expect(await kpis.textContent()).toMatch(/Total return[+-]\d+\.\d\d %/);
    await expect
      .poll(() => page.locator('[data-testid=backtest-result] img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), {
        timeout: LONG,
      })
      .toBeGreaterThan(0);
    await shoot('backtest');
  }, 180_000);

  it('shows the risk events, the audit log and the health panel', async () => {
    await page.goto(`${base}#/risk`);
    await page.getByTestId('risk-limits').getByRole('table').waitFor({ timeout: LONG });
    await shoot('risk');
    await page.goto(`${base}#/audit`);
    const audit = page.getByTestId('audit');
    await expect.poll(() => audit.textContent(), { timeout: LONG }).toContain('api');
    await shoot('audit');
    await page.goto(`${base}#/health`);
    await expect.poll(() => page.getByTestId('health-figures').textContent(), { timeout: LONG }).toContain('Event-loop lag p99');
    await expect.poll(() => page.getByTestId('health-table').textContent(), { timeout: LONG }).toContain('crewdesk_event_loop_lag_p99_seconds');
    await shoot('health');
  }, 180_000);

  it('fits a phone screen', async () => {
    // The overview later in the replay, at a desktop's size: the README's picture.
    await page.goto(`${base}#/overview`);
    await expect.poll(async () => Number(await page.getByTestId('equity-chart').getAttribute('data-points')), { timeout: LONG }).toBeGreaterThan(20);
    await page.locator('[data-testid=live-fills] li').first().waitFor({ timeout: LONG });
    await shoot('overview');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}#/risk`);
    await page.goto(`${base}#/overview`);
    await expect.poll(async () => Number(await page.getByTestId('equity-chart').getAttribute('data-points')), { timeout: LONG }).toBeGreaterThan(0);
    await page.locator('[data-testid=live-fills] li').first().waitFor({ timeout: LONG });
    // Nothing wider than the screen but the tables' own scrolling boxes.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shoot('overview-phone');
  }, 120_000);

  it('ran every page without an uncaught script error or a blocked resource', () => {
    expect(pageErrors).toEqual([]);
  });
});
