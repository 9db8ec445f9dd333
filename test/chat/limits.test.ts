// Splitting replies under Discord's limits without breaking code blocks.
import { describe, expect, it } from 'vitest';
import { DISCORD_LIMITS, embedLength, embedParts, fitChoices, packEmbeds, splitText, truncate } from '../../src/chat/limits.ts';

describe('splitText', () => {
  it('leaves short text alone', () => {
    expect(splitText('hello')).toEqual(['hello']);
  });

  it('splits at line ends under 2000 characters and loses nothing', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
    const chunks = splitText(lines.join('\n'));
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
    expect(chunks.join('\n')).toBe(lines.join('\n'));
  });

  it('closes a code block at the end of a chunk and reopens it with its language', () => {
    const code = Array.from({ length: 200 }, (_, i) => `row ${i} ${'y'.repeat(30)}`).join('\n');
    const chunks = splitText(`Table:\n\`\`\`text\n${code}\n\`\`\`\nend`, 1000);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(1000);
      // Every chunk has balanced fences: a reader never sees a half-open block.
      expect((c.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(chunks[1]!.startsWith('```text\n')).toBe(true);
  });

  it('cuts a line longer than the limit at a space, or anywhere when there is none', () => {
    const words = splitText('word '.repeat(1000).trim(), 100);
    for (const c of words) expect(c.length).toBeLessThanOrEqual(100);
    expect(words.join(' ')).toBe('word '.repeat(1000).trim());
    const solid = splitText('z'.repeat(450), 100);
    expect(solid.map((c) => c.length)).toEqual([100, 100, 100, 100, 50]);
  });
});

describe('embeds', () => {
  it('keep a small reply in one embed', () => {
    const parts = embedParts({ title: 'Status', text: 'fine', fields: [{ name: 'Mode', value: 'paper', inline: true }], code: 'a  b' });
    expect(parts).toEqual([{ title: 'Status', description: 'fine\n```\na  b\n```', fields: [{ name: 'Mode', value: 'paper', inline: true }] }]);
  });

  it('split a long description at 4096, many fields at 25, long field values at 1024, each embed under 6000', () => {
    const parts = embedParts({
      title: 'Logs',
      code: Array.from({ length: 400 }, (_, i) => `2024-01-01 00:00 line ${i} ${'l'.repeat(30)}`).join('\n'),
      fields: [...Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, value: 'v'.repeat(100) })), { name: 'long', value: 'w '.repeat(1500) }],
    });
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) {
      expect(p.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
      expect(p.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedFields);
      for (const f of p.fields) expect(f.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
      expect(embedLength(p)).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
    }
    expect(parts[0]!.title).toBe('Logs');
    expect(parts[1]!.title).toBe(`Logs (2/${parts.length})`);
    expect(parts.flatMap((p) => p.fields).filter((f) => f.name.startsWith('long')).length).toBeGreaterThan(1);
  });

  it('pack embeds into messages of at most 10 embeds and 6000 characters', () => {
    const parts = Array.from({ length: 25 }, (_, i) => ({ title: `e${i}`, description: 'd'.repeat(1000), fields: [] }));
    const messages = packEmbeds(parts);
    for (const m of messages) {
      expect(m.length).toBeLessThanOrEqual(10);
      expect(m.reduce((s, p) => s + embedLength(p), 0)).toBeLessThanOrEqual(6000);
    }
    expect(messages.flat()).toHaveLength(25);
  });

  it('cap autocomplete at 25 choices of 100 characters', () => {
    const choices = fitChoices(Array.from({ length: 40 }, (_, i) => ({ name: `${i} ${'n'.repeat(200)}`, value: String(i) })));
    expect(choices).toHaveLength(25);
    expect(choices[0]!.name.length).toBe(100);
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});
