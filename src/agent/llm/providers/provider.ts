import { OutboundError, parseRetryAfter } from '../../../platform/http/outbound/errors.js';
import type { ProviderKind } from '../llm.table.js';

/** A tool the model may call (issue 14: the catalog drafting tools); `parameters` is a JSON Schema. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** One call the model asked for; `arguments` is the model's JSON text, validated by whoever runs it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface TextMessage {
  role: 'user' | 'assistant';
  content: string;
}

export type ChatMessage =
  | TextMessage
  /** The model's tool calls, given back on the next request of the same turn. */
  | { role: 'tool_calls'; calls: ToolCall[] }
  /** Our answers to those calls (`error`: the model sees the call was refused). */
  | { role: 'tool_results'; results: { callId: string; content: string; error: boolean }[] };

export interface CompletionRequest {
  /** Our instructions and the tenant's own texts; never anything a customer wrote. */
  system: string;
  /** Alternating turns, starting with the user's; customer texts only ever appear here. */
  messages: ChatMessage[];
  schemaName: string;
  schema: Record<string, unknown>;
  /** Tools offered in this call; absent or empty: none. */
  tools?: readonly ToolDefinition[];
  maxOutputTokens: number;
  timeoutMs: number;
}

export interface Completion {
  /** The model's JSON text (not yet validated); empty when it called tools instead. */
  text: string;
  /** Present when the model asked for tools rather than answering. */
  toolCalls?: ToolCall[];
  inputTokens: number;
  outputTokens: number;
}

/** One configured model behind one API; built per call from the tenant's settings. */
export interface LlmProvider {
  readonly kind: ProviderKind;
  readonly model: string;
  complete(request: CompletionRequest): Promise<Completion>;
}

/** A provider answered, but not with what we asked (refusal, empty or truncated content). */
export class UnusableCompletionError extends Error {
  constructor(
    message: string,
    readonly usage: { inputTokens: number; outputTokens: number },
  ) {
    super(message);
    this.name = 'UnusableCompletionError';
  }
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (headers && typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  return undefined;
}

/** The first OutboundError in a cause chain (the SSRF guard's refusal surfaces deep inside fetch's). */
function outboundCause(error: unknown): OutboundError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    if (current instanceof OutboundError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The SDKs' errors in the outbound client's terms, so one retry policy (with the shared Retry-After
 * backoff) and one breaker classification serve both providers. `retry-after-ms` wins over `retry-after`,
 * as in the SDKs. A 429 for an exhausted quota is not worth retrying; Anthropic's 529 (overloaded) is.
 */
export function toOutboundError(error: unknown, host: string): OutboundError {
  const found = outboundCause(error);
  if (found) return found;
  const name = (error as { constructor?: { name?: string } })?.constructor?.name ?? '';
  if (name.endsWith('ConnectionTimeoutError')) {
    return new OutboundError('timeout', `request to ${host} timed out`, { retryable: true, cause: error });
  }
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') {
    const headers = (error as { headers?: unknown }).headers;
    const ms = Number(headerOf(headers, 'retry-after-ms'));
    const retryAfterMs =
      Number.isFinite(ms) && ms >= 0 && headerOf(headers, 'retry-after-ms') !== undefined
        ? ms
        : parseRetryAfter(headerOf(headers, 'retry-after'));
    const code = (error as { code?: unknown }).code;
    const quota = status === 429 && code === 'insufficient_quota';
    return new OutboundError('http_status', `${host} answered ${status}`, {
      status,
      retryable: !quota && (status === 408 || status === 409 || status === 429 || status >= 500),
      retryAfterMs,
      cause: error,
    });
  }
  return new OutboundError('connection', `request to ${host} failed`, { retryable: true, cause: error });
}

/** The outcome recorded for a failed attempt. */
export function failureOutcome(error: OutboundError): string {
  const { failure, details } = error;
  if (failure !== 'http_status') return failure;
  const status = details.status ?? 0;
  if (status === 429) return 'rate_limited';
  if (status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  return 'rejected';
}
