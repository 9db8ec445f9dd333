// /risk: showing the hard limits, and changing one (owner only; persisted and audited).
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatDesk, openChatDesk } from '../chat/chat-harness.ts';

let chat: ChatDesk | undefined;
afterEach(async () => {
  await chat?.dispose();
  chat = undefined;
});

describe('/risk', () => {
  it('show lists every hard limit, privately', async () => {
    chat = await openChatDesk();
    const { sink } = await chat.run({ command: 'risk', subcommand: 'show' });
    expect(sink.last).toMatchObject({ title: 'Risk limits', ephemeral: true });
    expect(sink.last.code).toMatch(/maxCrewDrawdownPct\s+100/);
    expect(sink.last.code).toMatch(/maxOrdersPerMinute\s+60/);
  });

  it('set changes a limit for an owner, persisted with an audit entry', async () => {
    chat = await openChatDesk();
    const { outcome, sink } = await chat.run({ command: 'risk', subcommand: 'set', options: { limit: 'maxCrewDrawdownPct', value: 15 } });
    expect(outcome).toBe('done');
    expect(sink.last).toMatchObject({ title: 'Risk limit changed', text: 'maxCrewDrawdownPct: 100 → 15', ephemeral: true });
    expect(chat.desk.riskLimits().maxCrewDrawdownPct).toBe(15);
    expect(await chat.h.desk.journal.getSetting('risk.limits')).toEqual({ maxCrewDrawdownPct: 15 });
    expect((await chat.audit()).find((a) => a.action === 'risk.set')).toMatchObject({
      actor: 'owner-1',
      via: 'discord',
      detail: { limit: 'maxCrewDrawdownPct', from: 100, to: 15 },
    });
  });

  it('set refuses a value the schema does not allow, and an unknown limit, changing nothing', async () => {
    chat = await openChatDesk();
    const high = await chat.run({ command: 'risk', subcommand: 'set', options: { limit: 'maxCrewDrawdownPct', value: 150 } });
    expect(high.outcome).toBe('refused');
    expect(high.sink.last.text).toContain('maxCrewDrawdownPct = 150 refused');
    const unknown = await chat.run({ command: 'risk', subcommand: 'set', options: { limit: 'yolo', value: 1 } });
    expect(unknown.sink.last.text).toContain('no risk limit "yolo"');
    expect(chat.desk.riskLimits().maxCrewDrawdownPct).toBe(100);
  });
});
