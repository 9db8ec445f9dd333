// Deterministic, unique client order ids: the same crew instance and sequence always give the
// same id, so a restart that replays a decision can ask the exchange "did you get this one?"
import { createHash } from 'node:crypto';

const MAX_LENGTH = 36;

/** A short tag for a crew instance: readable prefix + hash (so distinct ids never collide after cleaning). */
export function crewTag(crewId: string): string {
  const readable = crewId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'crew';
  const hash = createHash('sha1').update(crewId).digest('hex').slice(0, 6);
  return `${readable}-${hash}`;
}

/** `cd-<tag>-<seq>`: at most 36 characters of [A-Za-z0-9_-], as Binance requires. */
export function clientOrderId(crewTagValue: string, seq: number): string {
  const id = `cd-${crewTagValue}-${seq.toString(36)}`;
  if (id.length > MAX_LENGTH) throw new Error(`client order id too long: ${id}`);
  return id;
}

export function isValidClientOrderId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_LENGTH && /^[A-Za-z0-9_-]+$/.test(id);
}
