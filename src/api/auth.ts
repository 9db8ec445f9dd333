// Bearer tokens: the change token reads and changes, the read token only reads. Compared in
// constant time over their SHA-256 digests (equal lengths whatever was sent).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiTokens } from '../config/api.ts';

export type Access = 'read' | 'change';

/** What a request's Authorization header grants: nothing (null) or read / change. */
export type Grant = Access | null;

export class TokenCheck {
  private readonly change: Buffer | null;
  private readonly read: Buffer | null;

  constructor(tokens: ApiTokens) {
    this.change = tokens.change ? digest(tokens.change) : null;
    this.read = tokens.read ? digest(tokens.read) : null;
  }

  get configured(): boolean {
    return this.change !== null || this.read !== null;
  }

  /** The grant of a presented token (the header's value without "Bearer "). */
  grant(presented: string | null): Grant {
    if (presented === null || presented === '') return null;
    const d = digest(presented);
    // Both compared, always: which token matched takes no longer to find out than a miss.
    const isChange = this.change !== null && timingSafeEqual(d, this.change);
    const isRead = this.read !== null && timingSafeEqual(d, this.read);
    return isChange ? 'change' : isRead ? 'read' : null;
  }
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

export function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether a host to listen on is this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
