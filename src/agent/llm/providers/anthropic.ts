import Anthropic from '@anthropic-ai/sdk';
import type { ProviderConnection } from './openai.js';
import type { ChatMessage, Completion, CompletionRequest, LlmProvider } from './provider.js';
import { UnusableCompletionError } from './provider.js';

/** Parses a tool call's arguments back to the object Anthropic wants; unreadable JSON becomes `{}`. */
function inputOf(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** Our turns in the Messages shape: `tool_use` blocks from the assistant, `tool_result` blocks from the user. */
function wireMessages(messages: readonly ChatMessage[]): Anthropic.MessageParam[] {
  return messages.map((message): Anthropic.MessageParam => {
    if (message.role === 'tool_calls') {
      return {
        role: 'assistant',
        content: message.calls.map((call) => ({
          type: 'tool_use' as const,
          id: call.id,
          name: call.name,
          input: inputOf(call.arguments),
        })),
      };
    }
    if (message.role === 'tool_results') {
      return {
        role: 'user',
        content: message.results.map((result) => ({
          type: 'tool_result' as const,
          tool_use_id: result.callId,
          content: result.content,
          ...(result.error ? { is_error: true } : {}),
        })),
      };
    }
    return message;
  });
}

/**
 * The Messages API with structured outputs (`output_config.format` json_schema): the answer comes back
 * as one text block holding the JSON. SDK retries off, as for OpenAI.
 */
export function anthropicProvider(connection: ProviderConnection): LlmProvider {
  const client = new Anthropic({
    apiKey: connection.apiKey ?? 'unused',
    // Explicit, so nothing is picked up from the worker's environment (ANTHROPIC_AUTH_TOKEN, ...).
    authToken: null,
    // The SDK's own console logging (OPENAI_LOG / ANTHROPIC_LOG) would bypass our redacting logger.
    logLevel: 'off',
    baseURL: connection.baseUrl,
    maxRetries: 0,
    fetch: connection.fetch,
  });
  return {
    kind: 'anthropic',
    model: connection.model,
    async complete(request: CompletionRequest): Promise<Completion> {
      const response = await client.messages.create(
        {
          model: connection.model,
          max_tokens: request.maxOutputTokens,
          system: request.system,
          messages: wireMessages(request.messages),
          ...(request.tools?.length
            ? {
                tools: request.tools.map((tool) => ({
                  name: tool.name,
                  description: tool.description,
                  input_schema: tool.parameters as Anthropic.Tool.InputSchema,
                })),
              }
            : {}),
          output_config: { format: { type: 'json_schema', schema: request.schema } },
        },
        { timeout: request.timeoutMs, maxRetries: 0 },
      );
      const usage = {
        inputTokens: response.usage?.input_tokens ?? 0,
        outputTokens: response.usage?.output_tokens ?? 0,
      };
      if (response.stop_reason === 'max_tokens') {
        throw new UnusableCompletionError('the answer was cut at the token limit', usage);
      }
      if (response.stop_reason === 'refusal') {
        throw new UnusableCompletionError('the model refused', usage);
      }
      const toolCalls = response.content.flatMap((block) =>
        block.type === 'tool_use'
          ? [{ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) }]
          : [],
      );
      if (toolCalls.length > 0) return { text: '', toolCalls, ...usage };
      const text = response.content
        .map((block) => (block.type === 'text' ? block.text : ''))
        .join('')
        .trim();
      if (!text) throw new UnusableCompletionError('the model answered nothing', usage);
      return { text, ...usage };
    },
  };
}
