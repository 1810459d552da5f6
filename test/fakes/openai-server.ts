import { type FakeLlmServer, startFakeLlmServer } from './llm-fake-server.js';

/**
 * A fake of OpenAI's Chat Completions API (protocols.md §5) at `{baseUrl}/chat/completions`: answers in the
 * recorded `chat.completion` shape (content as a JSON string, `refusal`, `usage` prompt/completion tokens)
 * and errors in OpenAI's `{"error":{message,type,param,code}}` envelope, e.g. 429 `rate_limit_exceeded` or
 * `insufficient_quota` with retry-after / retry-after-ms headers. A `tools` step answers with `tool_calls`
 * (`finish_reason: tool_calls`, arguments as a JSON string).
 */
export function startFakeOpenAi(): Promise<FakeLlmServer> {
  let sequence = 0;
  return startFakeLlmServer(
    {
      path: '/chat/completions',
      success(step, body) {
        sequence++;
        if (step.kind === 'tools') {
          return {
            id: `chatcmpl-fake${sequence}`,
            object: 'chat.completion',
            created: 1723216839,
            model: String(body.model ?? 'gpt-4o-mini'),
            choices: [
              {
                index: 0,
                message: {
                  role: 'assistant',
                  content: null,
                  refusal: null,
                  tool_calls: step.calls.map((call, index) => ({
                    id: `call_fake${sequence}_${index}`,
                    type: 'function',
                    function: {
                      name: call.name,
                      arguments:
                        typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
                    },
                  })),
                },
                logprobs: null,
                finish_reason: 'tool_calls',
              },
            ],
            usage: { prompt_tokens: 110, completion_tokens: 30, total_tokens: 140 },
            system_fingerprint: 'fp_fake',
          };
        }
        const content =
          step.kind === 'json' ? JSON.stringify(step.value) : step.kind === 'text' ? step.text : null;
        const inputTokens = step.kind === 'json' ? (step.inputTokens ?? 120) : 100;
        const outputTokens = step.kind === 'json' ? (step.outputTokens ?? 40) : 20;
        return {
          id: `chatcmpl-fake${sequence}`,
          object: 'chat.completion',
          created: 1723216839,
          model: String(body.model ?? 'gpt-4o-mini'),
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content,
                refusal: step.kind === 'refusal' ? "I'm sorry, I cannot help with that." : null,
              },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: {
            prompt_tokens: inputTokens,
            completion_tokens: outputTokens,
            total_tokens: inputTokens + outputTokens,
          },
          system_fingerprint: 'fp_fake',
        };
      },
      error(step) {
        const code = step.code ?? (step.status === 429 ? 'rate_limit_exceeded' : null);
        return {
          error: {
            message:
              step.status === 429
                ? 'Rate limit reached for gpt-4o-mini in organization ****** on tokens per min (TPM): Limit 200000, Used 195869, Requested 4412. Please try again in 84ms.'
                : 'The server had an error while processing your request.',
            type: step.errorType ?? (step.status === 429 ? 'tokens' : 'server_error'),
            param: null,
            code,
          },
        };
      },
    },
    '/v1',
  );
}
