import Anthropic from '@anthropic-ai/sdk';
import type { ProviderConnection } from './openai.js';
import type { Completion, CompletionRequest, LlmProvider } from './provider.js';
import { UnusableCompletionError } from './provider.js';

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
          messages: request.messages,
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
      const text = response.content
        .map((block) => (block.type === 'text' ? block.text : ''))
        .join('')
        .trim();
      if (!text) throw new UnusableCompletionError('the model answered nothing', usage);
      return { text, ...usage };
    },
  };
}
