import type { WebSocket } from 'ws';
import type { AccessChange } from './access-changes.js';
import type { InboxNotification } from './inbox-events.js';

/** Whose socket it is, and how to check that they may still hold it. */
export interface SocketHolder {
  userId: string;
  sessionId: string;
  /** Re-checks the holder's access now and closes the socket if it is gone. */
  recheck: () => void;
}

/** Close codes the browser acts on (4000-4999 are the application's own range). */
export const LIVE_CLOSE = {
  /** The session ended, the user was disabled or left the tenant: sign in again. */
  sessionEnded: 4001,
  /** The socket fell too far behind: reconnect and refetch. */
  slowClient: 4008,
  /** The server cannot listen for events right now: reconnect later. */
  unavailable: 1013,
} as const;

export interface LiveHubOptions {
  /** Unsent bytes a socket may hold; beyond this it is a slow client and is dropped. */
  maxBufferedBytes: number;
  onOpenSocketsChanged: (count: number) => void;
  onSlowClientDropped: () => void;
}

/**
 * Fans inbox events out to the open sockets of the event's tenant, and only those. Sockets join with the
 * tenant their session was working in when they connected; the access check on upgrade already required
 * the `conversations.read` permission there.
 */
export class LiveHub {
  private readonly byTenant = new Map<string, Set<WebSocket>>();
  private readonly holders = new Map<WebSocket, SocketHolder & { tenantId: string }>();
  private count = 0;

  constructor(private readonly options: LiveHubOptions) {}

  /** Adds a socket; returns the function that removes it (idempotent). */
  add(tenantId: string, socket: WebSocket, holder: SocketHolder): () => void {
    let sockets = this.byTenant.get(tenantId);
    if (!sockets) {
      sockets = new Set();
      this.byTenant.set(tenantId, sockets);
    }
    sockets.add(socket);
    this.holders.set(socket, { ...holder, tenantId });
    this.changed(1);
    return () => this.remove(tenantId, socket);
  }

  publish(notification: InboxNotification): void {
    const sockets = this.byTenant.get(notification.tenantId);
    if (!sockets) return;
    const frame = JSON.stringify(notification.event);
    // A member's own notifications reach only that member's sockets.
    const onlyUser = 'userId' in notification.event ? notification.event.userId : undefined;
    for (const socket of sockets) {
      if (onlyUser !== undefined && this.holders.get(socket)?.userId !== onlyUser) continue;
      this.send(notification.tenantId, socket, frame);
    }
  }

  /** Whether this process still holds a socket of this member in this tenant. */
  hasUser(tenantId: string, userId: string): boolean {
    for (const socket of this.byTenant.get(tenantId) ?? []) {
      if (this.holders.get(socket)?.userId === userId) return true;
    }
    return false;
  }

  /** Someone's access changed (in any process): re-check the sockets it may concern, now. */
  accessChanged(change: AccessChange): void {
    for (const holder of this.holders.values()) {
      const concerned =
        change.scope === 'tenant'
          ? holder.tenantId === change.id
          : change.scope === 'user'
            ? holder.userId === change.id
            : holder.sessionId === change.id;
      if (concerned) holder.recheck();
    }
  }

  /** Tells every socket that events may have been lost, so browsers refetch what they show. */
  resyncAll(): void {
    const frame = JSON.stringify({ type: 'resync' });
    for (const [tenantId, sockets] of this.byTenant) {
      for (const socket of sockets) this.send(tenantId, socket, frame);
    }
  }

  private send(tenantId: string, socket: WebSocket, frame: string): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > this.options.maxBufferedBytes) {
      // The browser refetches after reconnecting, so dropping it loses nothing but memory we would hold.
      this.remove(tenantId, socket);
      this.options.onSlowClientDropped();
      socket.close(LIVE_CLOSE.slowClient, 'slow client');
      return;
    }
    socket.send(frame);
  }

  private remove(tenantId: string, socket: WebSocket): void {
    const sockets = this.byTenant.get(tenantId);
    if (!sockets?.delete(socket)) return;
    this.holders.delete(socket);
    if (sockets.size === 0) this.byTenant.delete(tenantId);
    this.changed(-1);
  }

  private changed(delta: number): void {
    this.count += delta;
    this.options.onOpenSocketsChanged(this.count);
  }
}
