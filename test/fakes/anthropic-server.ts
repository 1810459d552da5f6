import { type FakeLlmServer, startFakeLlmServer } from './llm-fake-server.js';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/**
 * A fake of Anthropic's Messages API (protocols.md §5) at `{baseUrl}/v1/messages`: a `message` with
 * content blocks (the structured JSON as one text block), `stop_reason`, `usage` input/output tokens; errors
 * as `{"type":"error","error":{type,message},"request_id"}`, including 529 `overloaded_error`. A `tools`
 * step answers with `tool_use` blocks (`stop_reason: tool_use`, input as an object).
 */
export function startFakeAnthropic(): Promise<FakeLlmServer> {
  let sequence = 0;
  return startFakeLlmServer(
    {
      path: '/v1/messages',
      success(step, body) {
        sequence++;
        if (step.kind === 'tools') {
          return {
            id: `msg_fake${sequence}`,
            type: 'message',
            role: 'assistant',
            model: String(body.model ?? 'claude-haiku-4-5'),
            content: step.calls.map((call, index) => ({
              type: 'tool_use',
              id: `toolu_fake${sequence}_${index}`,
              name: call.name,
              input: call.arguments,
            })),
            stop_reason: 'tool_use',
            stop_sequence: null,
            usage: { input_tokens: 140, output_tokens: 35 },
          };
        }
        const text =
          step.kind === 'json' ? JSON.stringify(step.value) : step.kind === 'text' ? step.text : '';
        return {
          id: `msg_fake${sequence}`,
          type: 'message',
          role: 'assistant',
          model: String(body.model ?? 'claude-haiku-4-5'),
          content: step.kind === 'refusal' ? [] : [{ type: 'text', text }],
          stop_reason: step.kind === 'refusal' ? 'refusal' : 'end_turn',
          stop_sequence: null,
          usage: {
            input_tokens: step.kind === 'json' ? (step.inputTokens ?? 150) : 100,
            output_tokens: step.kind === 'json' ? (step.outputTokens ?? 50) : 20,
          },
        };
      },
      error(step) {
        const type = step.errorType ?? ERROR_TYPES[step.status] ?? 'api_error';
        return {
          type: 'error',
          error: { type, message: type === 'overloaded_error' ? 'Overloaded' : `fake ${type}` },
          request_id: `req_fake${sequence}`,
        };
      },
    },
    '',
  );
}
