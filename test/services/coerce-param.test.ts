import { describe, expect, it } from 'vitest';
import { coerceParam } from '../../src/services/desk-service.ts';

describe('coerceParam (a param given as text, by a slash command or the manager)', () => {
  it('reads numbers and booleans, and trims text', () => {
    expect(coerceParam(' 12 ', { type: 'integer' })).toBe(12);
    expect(coerceParam('0.5', { type: 'number' })).toBe(0.5);
    expect(coerceParam('true', { type: 'boolean' })).toBe(true);
    expect(coerceParam(' x ', { type: 'string' })).toBe('x');
  });

  it('leaves text that is not a number as it was, so the schema says a number was expected (not that NaN came)', () => {
    expect(coerceParam('abc', { type: 'number' })).toBe('abc');
    expect(coerceParam('', { type: 'integer' })).toBe('');
    expect(coerceParam(7, { type: 'number' })).toBe(7);
  });
});
