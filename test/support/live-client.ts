import WebSocket from 'ws';

export interface LiveClient {
  readonly socket: WebSocket;
  /** Frames received so far, parsed. */
  readonly frames: Record<string, unknown>[];
  /** Resolves with the first frame (already received or future) after `from` that matches. */
  next(
    match: (frame: Record<string, unknown>) => boolean,
    from?: number,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the close code. */
  readonly closed: Promise<number>;
  close(): void;
}

/** Opens /api/v1/live like a browser would (cookie and Origin) and waits for the server's hello. */
export async function openLive(
  baseUrl: string,
  headers: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<LiveClient> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/live`, { headers });
  const frames: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Record<string, unknown>);
    for (const listener of listeners) listener();
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const next: LiveClient['next'] = (match, from = 0, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = frames.slice(from).find(match);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching live frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (request, response) => {
      request.destroy();
      reject(new LiveRefused(response.statusCode ?? 0));
    });
    socket.once('error', reject);
  });
  await next((frame) => frame.type === 'hello', 0, options.timeoutMs ?? 10_000);
  return { socket, frames, next, closed, close: () => socket.close() };
}

/** The server answered the upgrade with an HTTP status instead of switching protocols. */
export class LiveRefused extends Error {
  constructor(readonly status: number) {
    super(`live channel refused with HTTP ${status}`);
  }
}
