// The manager's configuration (the `manager:` section of the config file). zod, strict: an
// unknown key is an error. Secrets never live here: the API key comes from OPENAI_API_KEY, and
// OPENAI_BASE_URL (a deployment setting) overrides `provider.baseUrl`.
import { validate as validCron } from 'node-cron';
import { z } from 'zod';

const cronExpression = z.string().refine((text) => validCron(text), { message: 'not a cron expression (node-cron syntax, e.g. "0 * * * *")' });

const timezone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not an IANA time zone (e.g. "UTC", "Europe/Berlin")' },
);

export const providerConfigSchema = z
  .object({
    /** Model name as the server knows it: "gpt-4o-mini" for OpenAI, "llama3.1:8b" for Ollama, … */
    model: z.string().min(1).default('gpt-4o-mini'),
    /** An OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp); OPENAI_BASE_URL wins over it. */
    baseUrl: z.url().optional(),
    temperature: z.number().min(0).max(2).default(0.2),
    /** One model call, in seconds: past it the call fails (no action, an alert). */
    timeoutSeconds: z.number().int().min(1).max(600).default(60),
    /** Retries of a failed call by the OpenAI client (each counts against the budget when it answers). */
    maxRetries: z.number().int().min(0).max(5).default(1),
    /** Longest answer of one call, in tokens. */
    maxOutputTokens: z.number().int().min(64).max(32_000).default(1_000),
  })
  .strict();

export const managerConfigSchema = z
  .object({
    provider: providerConfigSchema.prefault({}),
    /** advise: every change is a proposal the owner approves; act: changes within bounds apply at once and are reported. */
    autonomy: z.enum(['advise', 'act']).default('advise'),
    evaluation: z
      .object({
        enabled: z.boolean().default(true),
        /** node-cron expression; default hourly. */
        cron: cronExpression.default('0 * * * *'),
      })
      .strict()
      .prefault({}),
    report: z
      .object({
        enabled: z.boolean().default(true),
        /** node-cron expression; default 08:00 every day. */
        cron: cronExpression.default('0 8 * * *'),
        timezone: timezone.default('UTC'),
      })
      .strict()
      .prefault({}),
    /** Tokens (input + output, as the server reports them) per UTC day; past it, no more calls that day. */
    dailyTokenBudget: z.number().int().positive().default(200_000),
    /** For the cost estimate of /llm usage. */
    prices: z
      .object({
        inputPerMillion: z.number().min(0).default(0.15),
        outputPerMillion: z.number().min(0).default(0.6),
        currency: z.string().min(1).max(8).default('USD'),
      })
      .strict()
      .prefault({}),
    /** A proposal not answered in this time expires. */
    proposalExpiryMinutes: z.number().int().min(1).max(1_440).default(60),
    /** Turns (a message and its answer) remembered per channel or DM. */
    memoryTurns: z.number().int().min(0).max(50).default(10),
    /** Model calls in one turn (each tool round is one); bounds the cost of a turn. */
    maxModelCallsPerTurn: z.number().int().min(1).max(20).default(6),
    /** Changes (proposals or actions) in one turn. */
    maxActionsPerTurn: z.number().int().min(1).max(20).default(5),
    /** Bounds of the manager's own, on top of the crews' param bounds and the hard risk limits. */
    limits: z
      .object({
        /** No crew gets more than this share of its team's capital from the manager (spawn or reallocation). */
        maxCrewShareOfTeamPct: z.number().gt(0).max(100).default(50),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ManagerConfig = z.infer<typeof managerConfigSchema>;
export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export type Autonomy = ManagerConfig['autonomy'];

export const DEFAULT_MANAGER_CONFIG: ManagerConfig = managerConfigSchema.parse({});

/** Where the model is, once the environment is read. */
export type ProviderSettings =
  | {
      readonly configured: true;
      readonly model: string;
      /** Absent: OpenAI itself. */
      readonly baseUrl: string | undefined;
      readonly apiKey: string;
      readonly temperature: number;
      readonly timeoutMs: number;
      readonly maxRetries: number;
      readonly maxOutputTokens: number;
    }
  | { readonly configured: false; readonly reason: string };

/** Local servers ignore the key, but the OpenAI client wants one. */
export const PLACEHOLDER_API_KEY = 'not-needed';

/** No key and no base URL: not configured (chat answers how to configure it; reports go out without commentary). */
export function resolveProvider(config: ManagerConfig, env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  const baseUrl = env.OPENAI_BASE_URL?.trim() || config.provider.baseUrl;
  if (!apiKey && !baseUrl) {
    return { configured: false, reason: 'neither OPENAI_API_KEY nor a base URL (OPENAI_BASE_URL or manager.provider.baseUrl) is set' };
  }
  if (baseUrl !== undefined && !z.url().safeParse(baseUrl).success) {
    return { configured: false, reason: `OPENAI_BASE_URL "${baseUrl}" is not a URL` };
  }
  return {
    configured: true,
    model: config.provider.model,
    baseUrl,
    apiKey: apiKey ?? PLACEHOLDER_API_KEY,
    temperature: config.provider.temperature,
    timeoutMs: config.provider.timeoutSeconds * 1000,
    maxRetries: config.provider.maxRetries,
    maxOutputTokens: config.provider.maxOutputTokens,
  };
}
