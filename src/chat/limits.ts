// Discord's size limits, and splitting replies under them. Pure text work, no discord.js: the
// Discord transport renders each EmbedPart as an embed and each packed group as one message.
// A split never breaks a code block: a chunk that ends inside one closes it, the next reopens it.
import type { Reply } from './command.ts';

export const DISCORD_LIMITS = {
  /** Message content. */
  content: 2000,
  /** Sum of every embed's title, description, field names and values, footer and author in one message. */
  embedTotal: 6000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  embedsPerMessage: 10,
  filesPerMessage: 10,
  autocompleteChoices: 25,
  choiceName: 100,
  choiceValue: 100,
} as const;

export interface EmbedField {
  readonly name: string;
  readonly value: string;
  readonly inline?: boolean;
}

/** One embed's text, within every per-embed limit. */
export interface EmbedPart {
  readonly title?: string;
  readonly description?: string;
  readonly fields: readonly EmbedField[];
}

const FENCE = '```';
const CLOSE_FENCE = `\n${FENCE}`;
/** Room kept in a continued title for " (12/12)". */
const PAGE_SUFFIX_ROOM = 10;

/** Cuts `text` to `max` characters, ending with "…" when it was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, Math.max(0, max));
  return `${text.slice(0, max - 1)}…`;
}

/**
 * Splits text into chunks of at most `max` characters: at line ends where it can, else at a
 * space, else anywhere. A code block cut in two is closed at the end of one chunk and reopened
 * (with its language) at the start of the next.
 */
export function splitText(text: string, max: number = DISCORD_LIMITS.content): string[] {
  if (max < 16) throw new RangeError(`splitText: max ${max} is too small to hold a code fence`);
  if (text.length <= max) return [text];
  const chunks: string[] = [];
  let lines: string[] = [];
  let length = 0;
  let hasContent = false;
  /** The opening fence line while inside a code block. */
  let fence: string | null = null;

  const close = () => {
    chunks.push(lines.join('\n') + (fence ? CLOSE_FENCE : ''));
    lines = fence ? [fence] : [];
    length = fence ? fence.length : 0;
    hasContent = false;
  };

  const pending = text.split('\n');
  while (pending.length > 0) {
    let line = pending.shift()!;
    const isFence = line.trimStart().startsWith(FENCE);
    const fenceAfter: string | null = isFence ? (fence ? null : line.trim()) : fence;
    const reserve = fenceAfter ? CLOSE_FENCE.length : 0;
    // The longest line a fresh chunk can take: after a reopened fence and before its close.
    const room = Math.max(8, max - (fence ? fence.length + 1 + CLOSE_FENCE.length : 0));
    if (!isFence && line.length > room) {
      const cut = cutAt(line, room);
      pending.unshift(line.slice(cut).replace(/^ /, ''));
      line = line.slice(0, cut);
    }
    const add = (lines.length > 0 ? 1 : 0) + line.length;
    if (hasContent && length + add + reserve > max) close();
    length += (lines.length > 0 ? 1 : 0) + line.length;
    lines.push(line);
    hasContent = true;
    fence = fenceAfter;
  }
  if (hasContent) chunks.push(lines.join('\n'));
  return chunks;
}

/** Where to cut a line that is too long: the last space in the first `room` characters, if not too early. */
function cutAt(line: string, room: number): number {
  const space = line.lastIndexOf(' ', room);
  return space > room / 2 ? space : room;
}

/** Characters an embed counts against the 6000 total. */
export function embedLength(part: EmbedPart): number {
  let n = (part.title?.length ?? 0) + (part.description?.length ?? 0);
  for (const f of part.fields) n += f.name.length + f.value.length;
  return n;
}

/** A reply's text and code block as one embed description (the code fenced). */
export function replyDescription(reply: Reply): string {
  const parts: string[] = [];
  if (reply.text) parts.push(reply.text);
  if (reply.code) parts.push(`${FENCE}\n${reply.code}\n${FENCE}`);
  return parts.join('\n');
}

/**
 * A reply as embeds, each within Discord's limits: the description split in chunks, long field
 * values continued in further fields, at most 25 fields and 6000 characters an embed. Continued
 * embeds repeat the title with "(2/3)".
 */
export function embedParts(reply: Reply): EmbedPart[] {
  const L = DISCORD_LIMITS;
  const baseTitle = reply.title ? truncate(reply.title, L.embedTitle - PAGE_SUFFIX_ROOM) : undefined;
  const titleRoom = (baseTitle?.length ?? 0) + PAGE_SUFFIX_ROOM;
  const description = replyDescription(reply);
  const descriptionChunks = description ? splitText(description, Math.min(L.embedDescription, L.embedTotal - titleRoom)) : [];

  const fields: EmbedField[] = [];
  for (const field of reply.fields ?? []) {
    const name = truncate(field.name || '\u200b', L.fieldName - 10);
    const values = splitText(field.value || '\u200b', L.fieldValue);
    values.forEach((value, i) => {
      fields.push({ name: i === 0 ? name : `${name} (cont.)`, value, ...(field.inline !== undefined ? { inline: field.inline } : {}) });
    });
  }

  const parts: { description?: string; fields: EmbedField[] }[] = descriptionChunks.map((d) => ({ description: d, fields: [] }));
  if (parts.length === 0) parts.push({ fields: [] });
  let current = parts[parts.length - 1]!;
  for (const field of fields) {
    const size = titleRoom + (current.description?.length ?? 0) + current.fields.reduce((s, f) => s + f.name.length + f.value.length, 0);
    if (current.fields.length >= L.embedFields || size + field.name.length + field.value.length > L.embedTotal) {
      current = { fields: [] };
      parts.push(current);
    }
    current.fields.push(field);
  }
  return parts.map((p, i) => ({
    ...(baseTitle ? { title: parts.length > 1 && i > 0 ? `${baseTitle} (${i + 1}/${parts.length})` : baseTitle } : {}),
    ...(p.description ? { description: p.description } : {}),
    fields: p.fields,
  }));
}

/** Groups embeds into messages: at most 10 embeds and 6000 characters of embed text each. */
export function packEmbeds(parts: readonly EmbedPart[]): EmbedPart[][] {
  const messages: EmbedPart[][] = [];
  let current: EmbedPart[] = [];
  let size = 0;
  for (const part of parts) {
    const n = embedLength(part);
    if (current.length > 0 && (current.length >= DISCORD_LIMITS.embedsPerMessage || size + n > DISCORD_LIMITS.embedTotal)) {
      messages.push(current);
      current = [];
      size = 0;
    }
    current.push(part);
    size += n;
  }
  if (current.length > 0) messages.push(current);
  return messages;
}

/** Autocomplete choices as Discord takes them: at most 25, names and values cut to 100 characters. */
export function fitChoices<T extends { readonly name: string; readonly value: string }>(choices: readonly T[]): { name: string; value: string }[] {
  return choices.slice(0, DISCORD_LIMITS.autocompleteChoices).map((c) => ({
    name: truncate(c.name, DISCORD_LIMITS.choiceName),
    value: c.value.slice(0, DISCORD_LIMITS.choiceValue),
  }));
}
