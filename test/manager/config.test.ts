// The manager's config section and where the model is: strict zod, secrets from the environment.
import { describe, expect, it } from 'vitest';
import { formatZodError } from '../../src/crew/template.ts';
import { managerConfigSchema, PLACEHOLDER_API_KEY, resolveProvider } from '../../src/config/manager.ts';
import { keepTracingLocal } from '../../src/manager/model.ts';
import { loadPrompts, PromptError } from '../../src/manager/prompts.ts';
import { mkdtempSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

function problems(raw: unknown): string {
  const r = managerConfigSchema.safeParse(raw);
  return r.success ? '' : formatZodError(r.error);
}

describe('managerConfigSchema', () => {
  it('has a default for everything: advise, hourly evaluation, 08:00 UTC report', () => {
    const c = managerConfigSchema.parse({});
    expect(c).toMatchObject({
      autonomy: 'advise',
      provider: { model: 'gpt-4o-mini', temperature: 0.2, timeoutSeconds: 60, maxRetries: 1 },
      evaluation: { enabled: true, cron: '0 * * * *' },
      report: { enabled: true, cron: '0 8 * * *', timezone: 'UTC' },
      dailyTokenBudget: 200_000,
      proposalExpiryMinutes: 60,
      limits: { maxCrewShareOfTeamPct: 50 },
    });
    expect(managerConfigSchema.parse({ report: { timezone: 'Europe/Berlin' } }).report).toEqual({
      enabled: true,
      cron: '0 8 * * *',
      timezone: 'Europe/Berlin',
    });
  });

  it('refuses unknown keys, a bad cron, a bad time zone, a bad autonomy', () => {
    expect(problems({ autonomy: 'yolo' })).toContain('autonomy');
    expect(problems({ apiKey: 'sk-…' })).toContain('unknown key "apiKey"');
    expect(problems({ provider: { apiKey: 'sk-…' } })).toContain('provider: unknown key "apiKey"');
    expect(problems({ report: { cron: 'every morning' } })).toContain('not a cron expression');
    expect(problems({ report: { timezone: 'Mars/Olympus' } })).toContain('not an IANA time zone');
    expect(problems({ dailyTokenBudget: 0 })).toContain('dailyTokenBudget');
  });
});

describe('resolveProvider', () => {
  const config = managerConfigSchema.parse({ provider: { model: 'llama3.1:8b' } });

  it('is not configured without a key and without a base URL', () => {
    expect(resolveProvider(config, {})).toMatchObject({ configured: false, reason: expect.stringContaining('OPENAI_API_KEY') });
  });

  it('uses OpenAI with a key alone, and a local server with a base URL alone', () => {
    expect(resolveProvider(config, { OPENAI_API_KEY: 'sk-test' })).toMatchObject({
      configured: true,
      apiKey: 'sk-test',
      baseUrl: undefined,
      model: 'llama3.1:8b',
    });
    expect(resolveProvider(config, { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' })).toMatchObject({
      configured: true,
      apiKey: PLACEHOLDER_API_KEY,
      baseUrl: 'http://127.0.0.1:11434/v1',
    });
  });

  it('takes OPENAI_BASE_URL over the config', () => {
    const withUrl = managerConfigSchema.parse({ provider: { baseUrl: 'http://10.0.0.5:8000/v1' } });
    expect(resolveProvider(withUrl, {})).toMatchObject({ configured: true, baseUrl: 'http://10.0.0.5:8000/v1' });
    expect(resolveProvider(withUrl, { OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1' })).toMatchObject({ baseUrl: 'http://127.0.0.1:1234/v1' });
    expect(resolveProvider(withUrl, { OPENAI_BASE_URL: 'not a url' })).toMatchObject({ configured: false });
  });

  it('removes the LangSmith tracing switches: nothing goes anywhere but the model server', () => {
    const env: NodeJS.ProcessEnv = { LANGSMITH_TRACING: 'true', LANGCHAIN_TRACING_V2: 'true', OTHER: 'x' };
    expect(keepTracingLocal(env)).toEqual(['LANGCHAIN_TRACING_V2', 'LANGSMITH_TRACING']);
    expect(env).toEqual({ OTHER: 'x' });
  });
});

describe('the prompt files', () => {
  it('load with every placeholder in place', () => {
    const p = loadPrompts();
    expect(p.manager).toContain('{{crew_catalogue}}');
    expect(p.report).toContain('{{report_data}}');
  });

  it('stop the start when a placeholder is missing or unknown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crewdesk-prompts-'));
    try {
      cpSync(new URL('../../prompts/', import.meta.url), dir, { recursive: true });
      writeFileSync(join(dir, 'report.md'), 'Comment on {{day}} and {{weather}}.');
      expect(() => loadPrompts(dir)).toThrow(PromptError);
      expect(() => loadPrompts(dir)).toThrow(/unknown placeholder \{\{weather\}\}/);
      writeFileSync(join(dir, 'report.md'), 'Comment on {{day}}.');
      expect(() => loadPrompts(dir)).toThrow(/lacks \{\{report_data\}\}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
