import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A local Sentry ingest endpoint for tests: accepts envelopes (Sentry's envelope protocol, as
 * @sentry/node's transport posts them to /api/<project>/envelope/) on 127.0.0.1 and records them, raw and
 * parsed into their items.
 */
export interface ReceivedEnvelope {
  raw: string;
  header: Record<string, unknown>;
  items: { header: { type?: string } & Record<string, unknown>; payload: unknown }[];
}

export interface FakeSentry {
  /** A DSN pointing at this server (project 42). */
  readonly dsn: string;
  envelopes(): ReceivedEnvelope[];
  /** The `event` items received, in order. */
  events(): Record<string, unknown>[];
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return (request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
}

/** Header line, then per item a header line and a payload line (payloads here are JSON, one line each). */
function parseEnvelope(raw: string): ReceivedEnvelope {
  const lines = raw.split('\n');
  const header = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  const items: ReceivedEnvelope['items'] = [];
  for (let index = 1; index + 1 < lines.length; index += 2) {
    const line = lines[index];
    if (!line) break;
    const itemHeader = JSON.parse(line) as ReceivedEnvelope['items'][number]['header'];
    const payloadLine = lines[index + 1] ?? '';
    let payload: unknown = payloadLine;
    try {
      payload = JSON.parse(payloadLine);
    } catch {
      // An attachment or other non-JSON payload is kept as text.
    }
    items.push({ header: itemHeader, payload });
  }
  return { raw, header, items };
}

export async function startFakeSentry(): Promise<FakeSentry> {
  const received: ReceivedEnvelope[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST' || !/^\/api\/42\/envelope\/?(\?|$)/.test(request.url ?? '')) {
        response.writeHead(404).end();
        return;
      }
      received.push(parseEnvelope(await bodyOf(request)));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    })().catch(() => response.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://0123456789abcdef0123456789abcdef@127.0.0.1:${port}/42`,
    envelopes: () => [...received],
    events: () =>
      received.flatMap((envelope) =>
        envelope.items
          .filter((item) => item.header.type === 'event')
          .map((item) => item.payload as Record<string, unknown>),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
