// A Reply as Discord messages, and a confirmation as two buttons. Text-only replies (a manager's
// answer, "Confirmed.") go as plain content split under 2000 characters; anything with a title,
// fields or a code block goes as embeds coloured by tone, split under Discord's embed limits.
// Every message carries `allowedMentions: { parse: [] }`: replies hold model and market text,
// and none of it may ping anyone; and all of that text passes plainText (no control sequences).
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponentWithCustomId, type APIEmbed } from 'discord-api-types/v10';
import type { ConfirmationRequest, Reply } from '../chat/command.ts';
import { DISCORD_LIMITS, type EmbedPart, embedParts, packEmbeds, splitText, truncate } from '../chat/limits.ts';
import { TONE_COLORS } from '../chat/render.ts';
import { plainText } from '../core/plain-text.ts';

/** Mentions nobody: the default of everything the transport sends. */
export const NO_MENTIONS = Object.freeze({ parse: [] as [] });

export interface OutgoingFile {
  readonly attachment: Buffer;
  readonly name: string;
}

/** One message's body, in the shape discord.js takes for reply, followUp, editReply and send. */
export interface OutgoingMessage {
  content?: string;
  embeds?: APIEmbed[];
  files?: OutgoingFile[];
  components?: APIActionRowComponent<APIButtonComponentWithCustomId>[];
  allowedMentions: { parse: []; users?: string[]; repliedUser?: boolean };
}

const IMAGE = /\.(png|jpe?g|gif|webp)$/i;

/** A reply as one or more messages, each within Discord's limits; files ride on the first ones (10 a message). */
export function renderReply(raw: Reply): OutgoingMessage[] {
  const reply = plainReply(raw);
  const files = (reply.files ?? []).map((f) => ({ attachment: f.data, name: safeFileName(f.name) }));
  const textOnly = !reply.title && !reply.code && !reply.fields?.length && reply.text !== undefined && reply.text.trim() !== '';
  let messages: OutgoingMessage[];
  if (textOnly) {
    messages = splitText(reply.text!, DISCORD_LIMITS.content).map((content) => ({ content, allowedMentions: { parse: [] } }));
  } else if (!reply.title && !reply.code && !reply.fields?.length && !reply.text) {
    messages = files.length > 0 ? [{ allowedMentions: { parse: [] } }] : [{ content: 'Done.', allowedMentions: { parse: [] } }];
  } else {
    const color = TONE_COLORS[reply.tone ?? 'info'];
    messages = packEmbeds(embedParts(reply)).map((group) => ({ embeds: group.map((part) => toEmbed(part, color)), allowedMentions: { parse: [] } }));
  }
  // Files: 10 a message, from the first message on; more files than messages get messages of their own.
  for (let i = 0; i * DISCORD_LIMITS.filesPerMessage < files.length; i++) {
    const chunk = files.slice(i * DISCORD_LIMITS.filesPerMessage, (i + 1) * DISCORD_LIMITS.filesPerMessage);
    if (i >= messages.length) messages.push({ allowedMentions: { parse: [] } });
    messages[i]!.files = chunk;
  }
  // The first image shows inside the first message's last embed (the equity chart under the KPIs).
  const first = messages[0];
  const image = first?.files?.find((f) => IMAGE.test(f.name));
  const lastEmbed = first?.embeds?.[first.embeds.length - 1];
  if (image && lastEmbed) lastEmbed.image = { url: `attachment://${image.name}` };
  return messages;
}

/** The reply's text, as people read it, with no control sequences (files and flags as they were). */
export function plainReply(reply: Reply): Reply {
  return {
    ...reply,
    ...(reply.title !== undefined ? { title: plainText(reply.title) } : {}),
    ...(reply.text !== undefined ? { text: plainText(reply.text) } : {}),
    ...(reply.code !== undefined ? { code: plainText(reply.code) } : {}),
    ...(reply.fields ? { fields: reply.fields.map((f) => ({ ...f, name: plainText(f.name), value: plainText(f.value) })) } : {}),
  };
}

function toEmbed(part: EmbedPart, color: number): APIEmbed {
  return {
    color,
    ...(part.title ? { title: part.title } : {}),
    ...(part.description ? { description: part.description } : {}),
    ...(part.fields.length > 0
      ? { fields: part.fields.map((f) => ({ name: f.name, value: f.value, ...(f.inline !== undefined ? { inline: f.inline } : {}) })) }
      : {}),
  };
}

/** Discord shows attachments by name; keep it plain (the embed refers to it as attachment://name). */
function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(-80);
  return cleaned === '' ? 'file' : cleaned;
}

const CONFIRM_PREFIX = 'crewdesk:confirm:';
const CANCEL_PREFIX = 'crewdesk:cancel:';

/** A confirmation as an embed with a red confirm button and a grey cancel button; the token rides in the custom ids. */
export function renderConfirmation(request: ConfirmationRequest): OutgoingMessage {
  const expires = Math.floor(request.expiresAt / 1000);
  return {
    embeds: [
      {
        color: TONE_COLORS.warn,
        title: 'Confirm',
        description: truncate(
          `${plainText(request.prompt)}\n\nOnly the person who ran the command can answer. Expires <t:${expires}:R>.`,
          DISCORD_LIMITS.embedDescription,
        ),
      },
    ],
    components: [confirmationButtons(request, ButtonStyle.Danger, ButtonStyle.Secondary)],
    allowedMentions: { parse: [] },
  };
}

/**
 * A confirmation as messages: the prompt alone, or — with a body (a forge report) — the body's
 * messages, the last one carrying a green confirm and a red cancel button and saying who may answer.
 */
export function renderConfirmationMessages(request: ConfirmationRequest): OutgoingMessage[] {
  if (!request.body) return [renderConfirmation(request)];
  const messages = renderReply(request.body);
  const last = messages[messages.length - 1]!;
  const expires = Math.floor(request.expiresAt / 1000);
  last.content = truncate(
    `${plainText(request.prompt)} Only the person who ran the command can answer; the buttons expire <t:${expires}:R>.`,
    DISCORD_LIMITS.content,
  );
  last.components = [confirmationButtons(request, ButtonStyle.Success, ButtonStyle.Danger)];
  return messages;
}

function confirmationButtons(
  request: ConfirmationRequest,
  confirmStyle: ButtonStyle.Success | ButtonStyle.Danger,
  cancelStyle: ButtonStyle.Secondary | ButtonStyle.Danger,
): APIActionRowComponent<APIButtonComponentWithCustomId> {
  return {
    type: ComponentType.ActionRow,
    components: [
      { type: ComponentType.Button, style: confirmStyle, label: truncate(plainText(request.confirmLabel), 80), custom_id: `${CONFIRM_PREFIX}${request.token}` },
      {
        type: ComponentType.Button,
        style: cancelStyle,
        label: truncate(plainText(request.cancelLabel ?? 'Cancel'), 80),
        custom_id: `${CANCEL_PREFIX}${request.token}`,
      },
    ],
  };
}

const PROPOSAL_PREFIX = 'crewdesk:proposal:';

/** A proposal of the manager waiting for the owner's yes or no (the manager's Proposal, or anything shaped like it). */
export interface ProposalView {
  /** Short and URL-safe: it rides in the buttons' custom ids. */
  readonly id: string;
  readonly summary: string;
  readonly rationale?: string;
  /** ms since epoch. */
  readonly expiresAt?: number;
}

/**
 * A proposal with Approve and Reject buttons. A press runs `/proposal approve|reject id:<id>`
 * through the dispatcher, exactly as typed: owner-checked, audited, answered once.
 */
export function renderProposal(raw: ProposalView): OutgoingMessage {
  const proposal = { ...raw, summary: plainText(raw.summary), ...(raw.rationale !== undefined ? { rationale: plainText(raw.rationale) } : {}) };
  const expires = proposal.expiresAt ? `\n\nExpires <t:${Math.floor(proposal.expiresAt / 1000)}:R>. Same as \`/proposal approve id:${proposal.id}\`.` : '';
  return {
    embeds: [
      {
        color: TONE_COLORS.info,
        title: truncate(`Proposal ${proposal.id}: ${proposal.summary}`, DISCORD_LIMITS.embedTitle),
        description: truncate(`${proposal.rationale ?? ''}${expires}`.trim() || proposal.summary, DISCORD_LIMITS.embedDescription),
      },
    ],
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          { type: ComponentType.Button, style: ButtonStyle.Success, label: 'Approve', custom_id: `${PROPOSAL_PREFIX}approve:${proposal.id}`.slice(0, 100) },
          { type: ComponentType.Button, style: ButtonStyle.Danger, label: 'Reject', custom_id: `${PROPOSAL_PREFIX}reject:${proposal.id}`.slice(0, 100) },
        ],
      },
    ],
    allowedMentions: { parse: [] },
  };
}

/** The command a button runs (a proposal's Approve / Reject), or null for a confirmation button. */
export function parseCommandButton(customId: string): { command: string; subcommand: string; options: Record<string, string> } | null {
  const match = /^crewdesk:proposal:(approve|reject):(.+)$/.exec(customId);
  return match ? { command: 'proposal', subcommand: match[1]!, options: { id: match[2]! } } : null;
}

/** The answer a button carries. Any other custom id is answered as an unknown confirmation (it is still owner-checked). */
export function parseConfirmationButton(customId: string): { token: string; answer: 'confirm' | 'cancel' } {
  if (customId.startsWith(CONFIRM_PREFIX)) return { token: customId.slice(CONFIRM_PREFIX.length), answer: 'confirm' };
  if (customId.startsWith(CANCEL_PREFIX)) return { token: customId.slice(CANCEL_PREFIX.length), answer: 'cancel' };
  return { token: customId, answer: 'cancel' };
}
