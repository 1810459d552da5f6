import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatMessage, Completion, CompletionRequest, LlmProvider } from './provider.js';
import { UnusableCompletionError } from './provider.js';

export interface ProviderConnection {
  baseUrl: string;
  model: string;
  /** Servers such as Ollama take none; the SDK insists on a value. */
  apiKey: string | null;
  fetch: typeof globalThis.fetch;
}

/** Our turns in the Chat Completions shape: tool calls on an assistant message, one `tool` message a result. */
function wireMessages(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.flatMap((message): ChatCompletionMessageParam[] => {
    if (message.role === 'tool_calls') {
      return [
        {
          role: 'assistant',
          content: null,
          tool_calls: message.calls.map((call) => ({
            id: call.id,
            type: 'function' as const,
            function: { name: call.name, arguments: call.arguments },
          })),
        },
      ];
    }
    if (message.role === 'tool_results') {
      return message.results.map((result) => ({
        role: 'tool' as const,
        tool_call_id: result.callId,
        content: result.content,
      }));
    }
    return [message];
  });
}

/**
 * Chat Completions with a strict `json_schema` response format: OpenAI, Azure OpenAI's v1 endpoint, and
 * OpenAI-compatible servers (Ollama, vLLM) behind a configurable base URL. The SDK's own retries are off
 * (`maxRetries: 0`): the router retries, so Retry-After, the breaker and usage rows see every attempt.
 */
export function openAiProvider(connection: ProviderConnection): LlmProvider {
  const client = new OpenAI({
    apiKey: connection.apiKey ?? 'unused',
    // Explicit, so nothing is picked up from the worker's environment (OPENAI_ORG_ID, ...).
    organization: null,
    // The SDK's own console logging (OPENAI_LOG / ANTHROPIC_LOG) would bypass our redacting logger.
    logLevel: 'off',
    project: null,
    baseURL: connection.baseUrl,
    maxRetries: 0,
    fetch: connection.fetch,
  });
  return {
    kind: 'openai',
    model: connection.model,
    async complete(request: CompletionRequest): Promise<Completion> {
      const response = await client.chat.completions.create(
        {
          model: connection.model,
          messages: [{ role: 'system', content: request.system }, ...wireMessages(request.messages)],
          ...(request.tools?.length
            ? {
                tools: request.tools.map((tool) => ({
                  type: 'function' as const,
                  function: { name: tool.name, description: tool.description, parameters: tool.parameters },
                })),
              }
            : {}),
          response_format: {
            type: 'json_schema',
            json_schema: { name: request.schemaName, strict: true, schema: request.schema },
          },
          max_completion_tokens: request.maxOutputTokens,
        },
        { timeout: request.timeoutMs, maxRetries: 0 },
      );
      const usage = {
        inputTokens: response.usage?.prompt_tokens ?? 0,
        outputTokens: response.usage?.completion_tokens ?? 0,
      };
      const choice = response.choices[0];
      const toolCalls = (choice?.message.tool_calls ?? []).flatMap((call) =>
        call.type === 'function'
          ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }]
          : [],
      );
      if (toolCalls.length > 0) return { text: '', toolCalls, ...usage };
      if (!choice || choice.message.refusal || !choice.message.content) {
        throw new UnusableCompletionError('the model refused or answered nothing', usage);
      }
      if (choice.finish_reason === 'length') {
        throw new UnusableCompletionError('the answer was cut at the token limit', usage);
      }
      return { text: choice.message.content, ...usage };
    },
  };
}
