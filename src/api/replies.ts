// A service's Result as an HTTP answer: the value (200), or its refusal as 400 `{ error }`.
import type { FastifyReply } from 'fastify';
import type { Result } from '../services/result.ts';

export function answer<T>(reply: FastifyReply, result: Result<T>): T | { error: string } | { message: string } {
  if (!result.ok) {
    reply.code(400);
    return { error: result.error };
  }
  return typeof result.value === 'string' ? { message: result.value } : result.value;
}

export function notFound(reply: FastifyReply, error: string): { error: string } {
  reply.code(404);
  return { error };
}
