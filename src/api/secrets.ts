// The secrets the desk holds (its API tokens, the exchange's key and secret, the Discord and model
// keys), kept out of every answer and every streamed fact: a last guard for a reason or an error
// text that happens to quote one.

/** The environment variables that hold a secret. */
export const SECRET_VARIABLES = [
  'CREWDESK_API_TOKEN',
  'CREWDESK_API_READ_TOKEN',
  'BINANCE_API_KEY',
  'BINANCE_API_SECRET',
  'DISCORD_TOKEN',
  'OPENAI_API_KEY',
] as const;

/** Shorter values are not looked for: they would match ordinary text. */
const MIN_SECRET_LENGTH = 8;
const REDACTED = '[redacted]';

export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return SECRET_VARIABLES.map((name) => env[name]?.trim()).filter((v): v is string => v !== undefined && v !== '');
}

export class SecretScrubber {
  private readonly secrets: readonly string[];

  constructor(secrets: Iterable<string | null | undefined>) {
    const forms = new Set<string>();
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) continue;
      forms.add(s);
      // As it appears inside a JSON string (a quote or backslash in it is escaped there).
      forms.add(JSON.stringify(s).slice(1, -1));
    }
    // Longest first: one secret inside another is replaced whole.
    this.secrets = [...forms].sort((a, b) => b.length - a.length);
  }

  /** The text with every secret replaced by "[redacted]". */
  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }
}
