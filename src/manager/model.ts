// The chat model: ChatOpenAI against OpenAI or any OpenAI-compatible server. The only file that
// knows the provider; everything else sees a BaseChatModel (tests pass langchain's fake models).
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOpenAI } from '@langchain/openai';
import type { ProviderSettings } from '../config/manager.ts';

/** LangChain sends traces to LangSmith when one of these says so; crewdesk talks to the model server only. */
const TRACING_VARIABLES = ['LANGSMITH_TRACING_V2', 'LANGCHAIN_TRACING_V2', 'LANGSMITH_TRACING', 'LANGCHAIN_TRACING'] as const;

/**
 * Removes the LangSmith tracing switches from the environment, so no run is ever sent anywhere
 * but the configured model server. Returns the variables it removed (for a warning).
 */
export function keepTracingLocal(env: NodeJS.ProcessEnv = process.env): string[] {
  const removed: string[] = [];
  for (const name of TRACING_VARIABLES) {
    if (env[name] !== undefined) {
      removed.push(name);
      delete env[name];
    }
  }
  return removed;
}

export function createChatModel(settings: Extract<ProviderSettings, { configured: true }>): BaseChatModel {
  return new ChatOpenAI({
    model: settings.model,
    apiKey: settings.apiKey,
    ...(settings.baseUrl ? { configuration: { baseURL: settings.baseUrl } } : {}),
    temperature: settings.temperature,
    maxTokens: settings.maxOutputTokens,
    timeout: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    // Streaming through invoke() makes ChatOpenAI estimate tokens with a tokenizer it downloads at
    // run time (fails offline and with local models); a plain call carries the server's own usage.
    streaming: false,
    // Chat completions, the API every OpenAI-compatible server speaks.
    useResponsesApi: false,
  });
}
