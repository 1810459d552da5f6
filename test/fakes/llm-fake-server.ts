import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What one scripted LLM call answers. Shared by the OpenAI and Anthropic fakes; each turns a step into
 * its own wire format.
 */
export type LlmStep =
  /** A structured answer: the object, serialised as the model's JSON text. */
  | {
      kind: 'json';
      /** The object, or a function of the request body (to echo what the model was shown). */
      value: unknown;
      inputTokens?: number;
      outputTokens?: number;
    }
  /**
   * Tool calls instead of an answer; `arguments` is sent as the model's JSON (a string is sent as is), or
   * is a function of the request body (to use ids the model was shown).
   */
  | { kind: 'tools'; calls: { name: string; arguments: unknown }[] }
  /** Content that is not the agreed JSON (malformed, or the wrong shape as text). */
  | { kind: 'text'; text: string }
  /** OpenAI's `refusal` / Anthropic's `stop_reason: refusal`. */
  | { kind: 'refusal' }
  /** An error status with the provider's envelope; headers such as retry-after as given. */
  | { kind: 'error'; status: number; errorType?: string; code?: string; headers?: Record<string, string> }
  /** Waits this long, then answers with `answer` (the client's timeout should win). */
  | { kind: 'slow'; ms: number; answer: LlmStep };

export interface RecordedLlmRequest {
  path: string;
  /** Arrival time (ms), to check that a client waited what retry-after asked. */
  at: number;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface FakeLlmServer {
  /** The base URL a tenant configures. */
  readonly baseUrl: string;
  /** `127.0.0.1:port`, for OUTBOUND_ALLOW_PRIVATE_HOSTS. */
  readonly hostPort: string;
  readonly requests: RecordedLlmRequest[];
  /** Queues steps, answered one per request in order; with the queue empty, `fallback` answers. */
  script(...steps: LlmStep[]): void;
  /** What answers once the script is used up (default: a plain structured greeting). */
  setFallback(step: LlmStep): void;
  reset(): void;
  close(): Promise<void>;
}

export interface WireFormat {
  /** The path the SDK posts to, relative to the server root. */
  path: string;
  success(
    step: Extract<LlmStep, { kind: 'json' | 'text' | 'refusal' | 'tools' }>,
    body: Record<string, unknown>,
  ): unknown;
  error(step: Extract<LlmStep, { kind: 'error' }>): unknown;
}

export const GREETING = {
  reply: 'Hello! How can I help you today?',
  language: 'en',
  profile: { firstName: null, lastName: null, company: null, email: null },
  intent: 'greeting',
  quoteLines: [],
  handoff: false,
  handoffReason: null,
};

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** An HTTP server on 127.0.0.1 answering one wire format from a script. */
export async function startFakeLlmServer(format: WireFormat, basePath: string): Promise<FakeLlmServer> {
  const requests: RecordedLlmRequest[] = [];
  let queue: LlmStep[] = [];
  let fallback: LlmStep = { kind: 'json', value: GREETING };
  const open = new Set<ServerResponse>();

  async function answer(step: LlmStep, body: Record<string, unknown>, response: ServerResponse) {
    if (step.kind === 'slow') {
      await sleep(step.ms);
      if (response.destroyed || response.writableEnded) return;
      return answer(step.answer, body, response);
    }
    if (step.kind === 'error') {
      response.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      response.end(JSON.stringify(format.error(step)));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${requests.length}` });
    const resolved =
      step.kind === 'json' && typeof step.value === 'function'
        ? { ...step, value: (step.value as (body: Record<string, unknown>) => unknown)(body) }
        : step.kind === 'tools'
          ? {
              ...step,
              calls: step.calls.map((call) => ({
                ...call,
                arguments:
                  typeof call.arguments === 'function'
                    ? (call.arguments as (body: Record<string, unknown>) => unknown)(body)
                    : call.arguments,
              })),
            }
          : step;
    response.end(JSON.stringify(format.success(resolved, body)));
  }

  const server = createServer((request, response) => {
    open.add(response);
    response.on('close', () => open.delete(response));
    void (async () => {
      const body = await readBody(request);
      if (request.method !== 'POST' || request.url !== `${basePath}${format.path}`) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      requests.push({ path: request.url, at: Date.now(), headers: request.headers, body });
      await answer(queue.shift() ?? fallback, body, response);
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    hostPort: `127.0.0.1:${port}`,
    requests,
    script: (...steps) => queue.push(...steps),
    setFallback: (step) => {
      fallback = step;
    },
    reset: () => {
      queue = [];
      requests.length = 0;
      fallback = { kind: 'json', value: GREETING };
    },
    close: async () => {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
