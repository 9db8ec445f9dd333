// Numbers mean what they look like: text that JavaScript's Number() would read as something else
// ("0x10" as 16, "1e3" as 1000, "Infinity", "NaN", "") is refused, from /crew set, a number
// option such as /risk set's value, and the manager's adjust_params alike. Plain decimal only.
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlainNumber } from '../../src/core/number-text.ts';
import { checkAction } from '../../src/manager/actions.ts';
import { type ChatDesk, openChatDesk } from './chat-harness.ts';

let chat: ChatDesk | undefined;
afterEach(async () => {
  await chat?.dispose();
  chat = undefined;
});

const NOT_DECIMAL = ['0x10', '0X10', '0b11', '0o7', '1e1', '1E1', 'Infinity', '-Infinity', 'NaN', '1_0', '12abc', '.', '+'];

describe('plain decimal notation', () => {
  it('reads signs, digits and fractions, and nothing else', () => {
    expect(['12', ' 12 ', '-3', '+4', '0.5', '.5', '007'].map(parsePlainNumber)).toEqual([12, 12, -3, 4, 0.5, 0.5, 7]);
    for (const text of [...NOT_DECIMAL, '', '   ']) expect(parsePlainNumber(text), text).toBeNull();
  });
});

describe('/crew set', () => {
  it('refuses hex, exponents, Infinity, NaN and the like, and leaves the param as it was', async () => {
    chat = await openChatDesk();
    for (const value of NOT_DECIMAL) {
      const { outcome, sink } = await chat.run({ command: 'crew', subcommand: 'set', options: { crew: 'sma', param: 'fast', value } });
      expect(outcome, value).toBe('refused');
      expect(sink.last.text, value).toContain('plain decimal notation');
      expect(sink.last.text, value).toContain(JSON.stringify(value));
    }
    expect(chat.desk.crewParams('sma')).toMatchObject({ ok: true, value: { values: { fast: 2 } } });
    const { outcome } = await chat.run({ command: 'crew', subcommand: 'set', options: { crew: 'sma', param: 'fast', value: '1' } });
    expect(outcome).toBe('done');
    expect(chat.desk.crewParams('sma')).toMatchObject({ ok: true, value: { values: { fast: 1 } } });
  });

  it('refuses an empty value as missing', async () => {
    chat = await openChatDesk();
    const { outcome, sink } = await chat.run({ command: 'crew', subcommand: 'set', options: { crew: 'sma', param: 'fast', value: '  ' } });
    expect(outcome).toBe('invalid');
    expect(sink.last.text).toContain('Option "value" is required');
  });
});

describe('a number option (/risk set value)', () => {
  it('refuses "1e3" and "0x10" rather than reading 1000 or 16', async () => {
    chat = await openChatDesk();
    const before = chat.desk.riskLimits().maxPositionQuote;
    for (const value of ['1e3', '0x10', 'Infinity', 'NaN']) {
      const { outcome, sink } = await chat.run({ command: 'risk', subcommand: 'set', options: { limit: 'maxPositionQuote', value } });
      expect(outcome, value).toBe('invalid');
      expect(sink.last.text, value).toContain('Option "value" must be a number in plain decimal notation');
    }
    expect(chat.desk.riskLimits().maxPositionQuote).toBe(before);
  });

  it('the service refuses a limit given as hex text too (the console and the manager call it with text)', async () => {
    chat = await openChatDesk();
    const r = await chat.desk.setRiskLimit('maxPositionQuote', '0x10', { id: 'owner-1', via: 'console', isOwner: true });
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('plain decimal notation') });
  });
});

describe('the manager’s adjust_params', () => {
  it('refuses "0x10", "1e1" and "Infinity" as values of a number param, and takes "3"', async () => {
    chat = await openChatDesk();
    const policy = { maxCrewShareOfTeamPct: 100, managerPauses: new Map<string, string>() };
    for (const value of ['0x10', '1e1', 'Infinity', 'NaN', '']) {
      const r = checkAction(chat.desk, { kind: 'adjust_params', crew: 'sma', param: 'fast', value }, policy);
      expect(r, value).toMatchObject({ ok: false, error: expect.stringContaining('plain decimal notation') });
    }
    const r = checkAction(chat.desk, { kind: 'adjust_params', crew: 'sma', param: 'fast', value: '1' }, policy);
    expect(r).toMatchObject({ ok: true, value: { action: { value: 1 } } });
  });
});
