// The research section: where sweeps run. Absent (or no `redis`, and no REDIS_URL): on the warm
// thread pool of this process. With `redis`: as jobs on a BullMQ queue that `crewdesk worker`
// processes take. The password never goes in the file: REDIS_URL or REDIS_PASSWORD carries it.
import { z } from 'zod';

export const researchConfigSchema = z
  .object({
    /** redis://host:port[/db] or rediss:// (TLS); no password here (REDIS_PASSWORD). */
    redis: z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
      .refine((url) => {
        try {
          return new URL(url).password === '';
        } catch {
          return false;
        }
      }, 'a URL without a password: secrets come from the environment (REDIS_PASSWORD, or the whole URL in REDIS_URL)')
      .optional(),
    /** Key prefix of the queue in Redis (several desks can share one Redis with different prefixes). */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .default('crewdesk'),
  })
  .strict();

export type ResearchConfig = z.infer<typeof researchConfigSchema>;

/** The Redis URL research uses, or null (embedded): REDIS_URL wins, else `research.redis` with REDIS_PASSWORD. */
export function researchRedisUrl(config: ResearchConfig | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.REDIS_URL?.trim();
  if (fromEnv) return fromEnv;
  if (!config?.redis) return null;
  const password = env.REDIS_PASSWORD;
  if (!password) return config.redis;
  const url = new URL(config.redis);
  url.password = password;
  return url.toString();
}
