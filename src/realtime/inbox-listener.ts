import type pg from 'pg';
import { z } from 'zod';
import type { Logger } from '../platform/logging/logger.js';
import { ACCESS_CHANGES_CHANNEL, type AccessChange, ZAccessChange } from './access-changes.js';
import { INBOX_EVENTS_CHANNEL, type InboxNotification } from './inbox-events.js';

const ZId = z.uuid();
/** What a NOTIFY payload must be to reach a browser; anything else is dropped (and logged). */
const ZInboxNotification = z.object({
  tenantId: ZId,
  event: z.discriminatedUnion('type', [
    z.object({ type: z.literal('message.created'), conversationId: ZId, messageId: ZId }),
    z.object({ type: z.literal('message.updated'), conversationId: ZId, messageId: ZId }),
    z.object({ type: z.literal('conversation.updated'), conversationId: ZId }),
    z.object({ type: z.literal('note.created'), conversationId: ZId, noteId: ZId }),
    z.object({ type: z.literal('contact.updated'), contactId: ZId }),
    z.object({
      type: z.literal('quote.updated'),
      quoteId: ZId,
      conversationId: ZId.nullable(),
      status: z.string().max(32),
    }),
    z.object({ type: z.literal('quote.approval_overdue'), quoteId: ZId, conversationId: ZId.nullable() }),
    z.object({ type: z.literal('callback.updated'), callbackId: ZId, status: z.string().max(32) }),
    z.object({ type: z.literal('notification.created'), userId: ZId, notificationId: ZId }),
    z.object({ type: z.literal('notifications.read'), userId: ZId }),
  ]),
});

export interface InboxListenerOptions {
  /** A new, unconnected client: the listener's one dedicated connection (pooled ones cannot LISTEN). */
  connect: () => pg.Client;
  logger: Logger;
  onNotification: (notification: InboxNotification) => void;
  /** Someone's access changed (sign-out, removal, a tenant requiring two-factor): re-check their sockets. */
  onAccessChange: (change: AccessChange) => void;
  /** After a reconnect: notifications sent while the connection was down are lost, so browsers refetch. */
  onResync: () => void;
  backoff?: { initialMs: number; maxMs: number };
}

/**
 * Holds this process's one LISTEN connection on the inbox channel. Started lazily (a process that never
 * serves a live socket opens no connection); a lost connection is re-opened with exponential backoff and
 * full jitter, and `onResync` tells the sockets to refetch what they may have missed meanwhile.
 */
export class InboxListener {
  private client: pg.Client | undefined;
  private connected: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;
  private hasBeenConnected = false;
  private readonly waiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();

  constructor(private readonly options: InboxListenerOptions) {}

  /** Resolves once LISTEN is active (starting the connection if needed); rejects after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the inbox listener is closed'));
    if (this.client && this.connected === undefined) return Promise.resolve();
    if (!this.client && !this.retryTimer) this.open();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error('the inbox listener is not connected'));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const waiter of this.waiters) waiter.reject(new Error('the inbox listener is closed'));
    this.waiters.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private open(): void {
    const client = this.options.connect();
    this.client = client;
    client.on('notification', (message) => this.deliver(message));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, undefined));
    this.connected = (async () => {
      await client.connect();
      await client.query(`listen ${INBOX_EVENTS_CHANNEL}`);
      await client.query(`listen ${ACCESS_CHANGES_CHANNEL}`);
    })();
    this.connected.then(
      () => {
        if (this.client !== client) return;
        this.connected = undefined;
        this.attempt = 0;
        if (this.hasBeenConnected) this.options.onResync();
        this.hasBeenConnected = true;
        for (const waiter of this.waiters) waiter.resolve();
        this.waiters.clear();
      },
      (error: unknown) => this.lost(client, error),
    );
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.connected = undefined;
    client.end().catch(() => {});
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 250, maxMs: 30_000 };
    const delayMs = Math.random() * Math.min(maxMs, initialMs * 2 ** this.attempt);
    this.attempt += 1;
    this.options.logger.warn(
      { err: error, attempt: this.attempt, delayMs: Math.round(delayMs) },
      'inbox event listener lost its connection; reconnecting',
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) this.open();
    }, delayMs);
  }

  private deliver(message: pg.Notification): void {
    if (message.channel === ACCESS_CHANGES_CHANNEL) {
      const change = ZAccessChange.safeParse(parseJson(message.payload));
      if (change.success) this.options.onAccessChange(change.data);
      else this.options.logger.warn('ignored a malformed access change notification');
      return;
    }
    if (message.channel !== INBOX_EVENTS_CHANNEL || !message.payload) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.payload);
    } catch {
      parsed = undefined;
    }
    const result = ZInboxNotification.safeParse(parsed);
    if (!result.success) {
      this.options.logger.warn('ignored a malformed inbox event notification');
      return;
    }
    this.options.onNotification(result.data);
  }
}

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
