// Replies as Discord messages: plain text split under 2000 characters, embeds coloured by tone and
// split under the embed limits, files 10 a message with the first image shown in the embed, and
// never a mention.
import { describe, expect, it } from 'vitest';
import { DISCORD_LIMITS } from '../../src/chat/limits.ts';
import { TONE_COLORS } from '../../src/chat/render.ts';
import { parseCommandButton, parseConfirmationButton, renderConfirmation, renderReply } from '../../src/discord/render.ts';

describe('renderReply', () => {
  it('sends text-only replies as content, split at line ends under 2000 characters', () => {
    const text = Array.from({ length: 60 }, (_, i) => `line ${i} ${'x'.repeat(60)}`).join('\n');
    const messages = renderReply({ text });
    expect(messages.length).toBe(3);
    expect(messages.every((m) => m.content!.length <= DISCORD_LIMITS.content && m.embeds === undefined)).toBe(true);
    expect(messages.map((m) => m.content).join('\n')).toBe(text);
    expect(messages.every((m) => JSON.stringify(m.allowedMentions) === '{"parse":[]}')).toBe(true);
  });

  it('sends titled replies as embeds in the tone’s colour, with fields and the code block', () => {
    const [message] = renderReply({ title: 'Status', tone: 'bad', text: 'down', code: 'a  b', fields: [{ name: 'Mode', value: 'paper', inline: true }] });
    expect(message!.embeds).toEqual([
      { color: TONE_COLORS.bad, title: 'Status', description: 'down\n```\na  b\n```', fields: [{ name: 'Mode', value: 'paper', inline: true }] },
    ]);
  });

  it('attaches files 10 a message and shows the first image in the embed', () => {
    const files = Array.from({ length: 12 }, (_, i) => ({ name: i === 0 ? 'equity chart.png' : `f${i}.csv`, data: Buffer.from([i]) }));
    const messages = renderReply({ title: 'Backtest', text: 'done', files });
    expect(messages.map((m) => m.files?.length)).toEqual([10, 2]);
    expect(messages[0]!.files![0]!.name).toBe('equity_chart.png');
    expect(messages[0]!.embeds![0]!.image).toEqual({ url: 'attachment://equity_chart.png' });
    expect(renderReply({})).toEqual([{ content: 'Done.', allowedMentions: { parse: [] } }]);
  });
});

describe('buttons', () => {
  it('carry the confirmation token, and a proposal’s command', () => {
    const prompt = renderConfirmation({ token: 'tok123', actorId: '1', prompt: 'Sure?', confirmLabel: 'Flatten everything', expiresAt: 1_700_000_000_000 });
    const ids = prompt.components![0]!.components.map((b) => b.custom_id);
    expect(ids).toEqual(['crewdesk:confirm:tok123', 'crewdesk:cancel:tok123']);
    expect(ids.map(parseConfirmationButton)).toEqual([
      { token: 'tok123', answer: 'confirm' },
      { token: 'tok123', answer: 'cancel' },
    ]);
    expect(prompt.embeds![0]!.description).toContain('<t:1700000000:R>');
    expect(parseCommandButton('crewdesk:proposal:reject:p-1a2b')).toEqual({ command: 'proposal', subcommand: 'reject', options: { id: 'p-1a2b' } });
    expect(parseCommandButton('crewdesk:confirm:tok123')).toBeNull();
  });
});
