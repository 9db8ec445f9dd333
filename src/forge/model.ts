// The forge's model port and its langchain adapter. The model hands back a module through the
// `submit_crew` tool (file name and source as arguments) or, where a local model cannot call
// tools, a fenced code block with the file name before it. Tokens as the server reports them.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { type AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { tool } from 'langchain';
import { z } from 'zod';
import { type TokenCount, tokensOf } from '../manager/usage.ts';
import type { ForgeMessage } from './prompt.ts';

export interface Submission {
  readonly fileName: string;
  readonly source: string;
}

export interface ForgeReply {
  /** null when the answer held no module. */
  readonly submission: Submission | null;
  /** The model's prose, if any (data: shown, never obeyed). */
  readonly text: string;
  readonly tokens: TokenCount;
}

export interface ForgeModel {
  complete(messages: readonly ForgeMessage[], signal?: AbortSignal): Promise<ForgeReply>;
}

export const submitCrewSchema = z
  .object({
    fileName: z.string().min(4).max(64).describe('The module file name, <name>.ts, kebab-case.'),
    source: z.string().min(1).max(40_000).describe('The whole TypeScript module.'),
  })
  .strict();

const submitCrew = tool(async () => 'received', {
  name: 'submit_crew',
  description: 'Hand back the crew module: its file name and its whole source.',
  schema: submitCrewSchema,
});

export function langchainForgeModel(model: BaseChatModel, timeoutMs: number): ForgeModel {
  if (typeof model.bindTools !== 'function') throw new Error('the configured chat model cannot bind tools');
  const bound = model.bindTools([submitCrew]);
  return {
    async complete(messages, signal) {
      const lc = messages.map((m) => (m.role === 'system' ? new SystemMessage(m.content) : new HumanMessage(m.content)));
      const response = (await bound.invoke(lc, { signal: signal ?? AbortSignal.timeout(timeoutMs) })) as AIMessage;
      const text = typeof response.content === 'string' ? response.content : JSON.stringify(response.content);
      const call = response.tool_calls?.find((c) => c.name === 'submit_crew');
      const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
      const tokens = tokensOf(response.usage_metadata, promptChars, text.length + JSON.stringify(response.tool_calls ?? []).length);
      const parsed = call ? submitCrewSchema.safeParse(call.args) : null;
      return { submission: parsed?.success ? parsed.data : fencedSubmission(text), text, tokens };
    },
  };
}

/** A module from a fenced block: the file name from the text before it, else from its `name:`. */
export function fencedSubmission(text: string): Submission | null {
  const block = /```(?:ts|typescript)?[^\n]*\n([\s\S]*?)```/.exec(text);
  if (!block) return null;
  const source = block[1]!;
  const before = text.slice(0, block.index);
  const named = /([a-z0-9]+(?:-[a-z0-9]+)*)\.ts\b/.exec(before) ?? /\bname:\s*['"]([a-z0-9-]+)['"]/.exec(source);
  return named ? { fileName: `${named[1]}.ts`, source } : null;
}
