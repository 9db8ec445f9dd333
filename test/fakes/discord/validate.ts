/**
 * The subset of Discord's request validation that a bot can trip over in practice, answered with
 * Discord's own error shapes (code 50035 "Invalid Form Body" with a nested `errors` tree, 50006 for an
 * empty message, 40005 for an oversized upload), so a bot bug fails here the way it would in production.
 */
import { ApplicationCommandOptionType, ApplicationCommandType, ComponentType, MessageFlags } from 'discord-api-types/v10';
import type {
  APIApplicationCommandOption,
  APIApplicationCommandOptionChoice,
  APIEmbed,
  APIMessageTopLevelComponent,
  RESTPostAPIApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { UploadedFile } from './body.ts';

export interface DiscordErrorBody {
  readonly message: string;
  readonly code: number;
  readonly errors?: Record<string, unknown>;
}

export interface Rejection {
  readonly status: number;
  readonly body: DiscordErrorBody;
}

/** Discord's upload limit for a bot without boosts (bytes, per file). */
export const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

type Path = readonly (string | number)[];

class FormErrors {
  readonly #tree: Record<string, unknown> = {};
  #count = 0;

  add(path: Path, code: string, message: string): void {
    let node = this.#tree;
    for (const key of path) {
      const k = String(key);
      const next = (node[k] ??= {}) as Record<string, unknown>;
      node = next;
    }
    const list = (node['_errors'] ??= []) as { code: string; message: string }[];
    list.push({ code, message });
    this.#count += 1;
  }

  maxLength(path: Path, value: string | undefined | null, max: number): void {
    if (typeof value === 'string' && value.length > max) {
      this.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    }
  }

  lengthBetween(path: Path, value: string | undefined | null, min: number, max: number): void {
    const length = typeof value === 'string' ? value.length : 0;
    if (length < min || length > max) {
      this.add(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
    }
  }

  rejection(): Rejection | null {
    if (this.#count === 0) return null;
    return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors: this.#tree } };
  }
}

/** The message-ish fields shared by channel messages, webhook messages and interaction responses. */
export interface MessageBodyLike {
  readonly content?: string | null | undefined;
  readonly embeds?: readonly APIEmbed[] | null | undefined;
  readonly components?: readonly APIMessageTopLevelComponent[] | null | undefined;
  readonly attachments?: readonly unknown[] | undefined;
  readonly sticker_ids?: readonly string[] | undefined;
  readonly poll?: unknown;
  readonly flags?: number | null | undefined;
}

function embedLength(embed: APIEmbed): number {
  let total = (embed.title ?? '').length + (embed.description ?? '').length;
  total += (embed.footer?.text ?? '').length + (embed.author?.name ?? '').length;
  for (const field of embed.fields ?? []) total += field.name.length + field.value.length;
  return total;
}

/**
 * Validate a message create/edit body. `create` adds the empty-message rule (an edit may legitimately
 * send only some fields).
 */
export function validateMessageBody(body: MessageBodyLike, files: readonly UploadedFile[], mode: 'create' | 'edit'): Rejection | null {
  for (const file of files) {
    if (file.data.length > ATTACHMENT_SIZE_LIMIT) {
      return { status: 413, body: { message: 'Request entity too large', code: 40005 } };
    }
  }
  const errors = new FormErrors();
  errors.maxLength(['content'], body.content, 2000);
  const embeds = body.embeds ?? [];
  if (embeds.length > 10) errors.add(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let embedTotal = 0;
  embeds.forEach((embed, i) => {
    errors.maxLength(['embeds', i, 'title'], embed.title, 256);
    errors.maxLength(['embeds', i, 'description'], embed.description, 4096);
    errors.maxLength(['embeds', i, 'footer', 'text'], embed.footer?.text, 2048);
    errors.maxLength(['embeds', i, 'author', 'name'], embed.author?.name, 256);
    const fields = embed.fields ?? [];
    if (fields.length > 25) errors.add(['embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((field, j) => {
      errors.lengthBetween(['embeds', i, 'fields', j, 'name'], field.name, 1, 256);
      errors.lengthBetween(['embeds', i, 'fields', j, 'value'], field.value, 1, 1024);
    });
    embedTotal += embedLength(embed);
  });
  if (embedTotal > 6000) errors.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');

  const components = body.components ?? [];
  const componentsV2 = ((body.flags ?? 0) & MessageFlags.IsComponentsV2) !== 0;
  if (!componentsV2 && components.length > 5) {
    errors.add(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  }
  const customIds = new Set<string>();
  components.forEach((top, i) => {
    if (top.type !== ComponentType.ActionRow) return;
    if (top.components.length > 5) {
      errors.add(['components', i, 'components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
    }
    top.components.forEach((child, j) => {
      if ('custom_id' in child && typeof child.custom_id === 'string') {
        errors.lengthBetween(['components', i, 'components', j, 'custom_id'], child.custom_id, 1, 100);
        if (customIds.has(child.custom_id)) {
          errors.add(['components', i, 'components', j, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
        }
        customIds.add(child.custom_id);
      }
      if (child.type === ComponentType.Button && 'label' in child) {
        errors.maxLength(['components', i, 'components', j, 'label'], child.label, 80);
      }
    });
  });
  if (files.length > 10) errors.add(['files'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');

  const rejected = errors.rejection();
  if (rejected) return rejected;

  if (mode === 'create') {
    const empty =
      (body.content ?? '').trim() === '' &&
      embeds.length === 0 &&
      components.length === 0 &&
      files.length === 0 &&
      (body.sticker_ids ?? []).length === 0 &&
      body.poll === undefined;
    if (empty) return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
  }
  return null;
}

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function validateName(errors: FormErrors, path: Path, name: unknown): void {
  if (typeof name !== 'string' || !COMMAND_NAME.test(name)) {
    errors.add(path, 'STRING_TYPE_REGEX', 'String value did not match validation regex.');
  } else if (name !== name.toLowerCase()) {
    errors.add(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
}

function validateOptions(errors: FormErrors, path: Path, options: readonly APIApplicationCommandOption[]): void {
  if (options.length > 25) errors.add(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  let sawOptional = false;
  const names = new Set<string>();
  options.forEach((option, i) => {
    validateName(errors, [...path, i, 'name'], option.name);
    errors.lengthBetween([...path, i, 'description'], option.description, 1, 100);
    if (names.has(option.name)) {
      errors.add([...path, i, 'name'], 'APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS', 'Option name already exists');
    }
    names.add(option.name);
    const nested = option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup;
    if (nested) {
      validateOptions(errors, [...path, i, 'options'], (option.options ?? []) as APIApplicationCommandOption[]);
      return;
    }
    if (option.required === true && sawOptional) {
      errors.add([...path, i], 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
    }
    if (option.required !== true) sawOptional = true;
    if ('choices' in option && Array.isArray(option.choices) && option.choices.length > 25) {
      errors.add([...path, i, 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    }
  });
}

/** Validate a bulk-overwrite (PUT) or single create (POST) of application commands. */
export function validateCommands(commands: readonly RESTPostAPIApplicationCommandsJSONBody[]): Rejection | null {
  const errors = new FormErrors();
  if (commands.length > 100) errors.add([], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
  const seen = new Set<string>();
  commands.forEach((command, i) => {
    const type = command.type ?? ApplicationCommandType.ChatInput;
    if (type === ApplicationCommandType.ChatInput) {
      validateName(errors, [i, 'name'], command.name);
      errors.lengthBetween([i, 'description'], 'description' in command ? command.description : undefined, 1, 100);
      validateOptions(errors, [i, 'options'], 'options' in command ? (command.options ?? []) : []);
    } else {
      errors.lengthBetween([i, 'name'], command.name, 1, 32);
    }
    const key = `${type}:${command.name}`;
    if (seen.has(key)) {
      errors.add([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
    }
    seen.add(key);
  });
  return errors.rejection();
}

/** Validate an autocomplete result (interaction callback type 8). */
export function validateChoices(choices: readonly APIApplicationCommandOptionChoice[]): Rejection | null {
  const errors = new FormErrors();
  if (choices.length > 25) errors.add(['data', 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  choices.forEach((choice, i) => {
    errors.lengthBetween(['data', 'choices', i, 'name'], choice.name, 1, 100);
    if (typeof choice.value === 'string') errors.maxLength(['data', 'choices', i, 'value'], choice.value, 100);
  });
  return errors.rejection();
}
