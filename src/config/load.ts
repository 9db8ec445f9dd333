// Loads the config file (YAML or JSON) and the environment, validated by zod. Errors name the
// file, the key and what is wrong.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { formatZodError } from '../crew/template.ts';
import { ConfigError } from './errors.ts';
import { type Config, configSchema, type Env, envSchema } from './schema.ts';

export { ConfigError };

export function parseConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${source}: ${formatZodError(result.error)}`);
  return result.data;
}

export function loadConfigFile(file: string): Config {
  // A fresh clone has only the example: say how to get the file the README's commands name.
  if (!existsSync(file)) throw new ConfigError(`config file not found: ${file} (start from the commented example: cp crewdesk.example.yaml ${file})`);
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ConfigError(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseConfig(raw, file);
}

export function loadEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError(`environment: ${formatZodError(result.error)}`);
  return result.data;
}
