import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import type { WebSocket } from 'ws';
import type { Authenticate } from '../accounts/authenticate.js';
import { roleAllows } from '../accounts/permissions.js';
import type { SessionPrincipal } from '../accounts/principal.js';
import { SESSION_COOKIE } from '../accounts/session-tokens.js';
import { unreadNotificationCount } from '../notifications/notifications.service.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import type { Logger } from '../platform/logging/logger.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import { approvalsWaitingCount } from '../quotes/approval.service.js';
import { InboxListener } from './inbox-listener.js';
import { LIVE_CLOSE, LiveHub } from './live-hub.js';
import { markOffline, markOnline, PRESENCE_REFRESH_MS } from './presence.js';

export interface LiveRoutesOptions {
  /** A new, unconnected database client for this process's one LISTEN connection. */
  connectListener: () => pg.Client;
  authenticate: Authenticate;
  /** PUBLIC_URL's origin and CORS_ORIGINS: a socket from any other page is refused before the upgrade. */
  trustedOrigins: readonly string[];
  live: { maxBufferedBytes: number; sessionRecheckMs: number };
  metrics: Metrics;
  logger: Logger;
  /** Presence (who is online, for auto-assignment) is written here while sockets are open. */
  db: Db;
}

const LISTENER_READY_TIMEOUT_MS = 10_000;
/** The navigation's approval badge counts to this, then says "100+". */
const APPROVALS_BADGE_CAP = 100;

/**
 * GET /api/v1/live: the inbox's event stream. The session cookie is checked by the route access policy
 * (conversations.read) as for any request; WebSockets are not covered by CORS, so the Origin is checked
 * here. Frames: `{"type":"hello"}` once events flow, then one InboxEvent (ids only) per frame, and
 * `{"type":"resync"}` when events may have been missed. Messages from the browser are not expected.
 */
/** Registered at the root before the access check (see app.ts): its hooks must see refused upgrades too. */
export const websocketOptions = { options: { maxPayload: 1024, perMessageDeflate: false } };

export const liveRoutes: FastifyPluginAsync<LiveRoutesOptions> = async (app, options) => {
  const hub = new LiveHub({
    maxBufferedBytes: options.live.maxBufferedBytes,
    onOpenSocketsChanged: (count) => options.metrics.liveSockets.set(count),
    onSlowClientDropped: () => options.metrics.liveSlowClientsDropped.inc(),
  });
  const listener = new InboxListener({
    connect: options.connectListener,
    logger: options.logger,
    onNotification: (notification) => hub.publish(notification),
    onResync: () => hub.resyncAll(),
    onAccessChange: (change) => hub.accessChanged(change),
  });
  app.addHook('onClose', () => listener.close());

  app.get(
    '/api/v1/live',
    {
      websocket: true,
      exposeHeadRoute: false,
      config: { access: { permission: 'conversations.read' } },
      schema: { hide: true },
      preValidation: async (request) => {
        const origin = request.headers.origin;
        if (origin === undefined || !options.trustedOrigins.includes(origin)) {
          throw new AppError('forbidden', 'This origin may not open the live channel');
        }
        if (request.principal?.kind !== 'session') {
          throw new AppError('forbidden', 'The live channel is for signed-in users');
        }
      },
    },
    async (socket, request) => {
      const principal = request.principal as SessionPrincipal;
      const tenantId = principal.tenantId as string;
      const sessionToken = request.cookies[SESSION_COOKIE];
      socket.on('message', () => socket.close(1008, 'no messages expected'));
      try {
        await listener.ready(LISTENER_READY_TIMEOUT_MS);
      } catch (error) {
        options.logger.warn({ err: error }, 'live socket refused: inbox events unavailable');
        socket.close(LIVE_CLOSE.unavailable, 'try again later');
        return;
      }
      if (socket.readyState !== socket.OPEN) return;
      const recheckNow = () => {
        void stillAllowed(options.authenticate, sessionToken, request.ip, principal).then(
          (allowed) => {
            if (!allowed) endSocket(socket, leave);
          },
          (error: unknown) => options.logger.warn({ err: error }, 'live session re-check failed'),
        );
      };
      const leave = hub.add(tenantId, socket, {
        userId: principal.userId,
        sessionId: principal.sessionId,
        recheck: recheckNow,
      });
      // Access changes announce themselves (ACCESS_CHANGES_CHANNEL); the periodic re-check catches what
      // ends without an announcement, such as an idle or expired session.
      const recheck = setInterval(recheckNow, options.live.sessionRecheckMs);
      // An open socket is a member online (for the round robin); presence lapses by itself if we die.
      const present = () =>
        markOnline(options.db, tenantId, principal.userId).catch((error: unknown) =>
          options.logger.warn({ err: error }, 'could not record presence'),
        );
      void present();
      const presence = setInterval(present, PRESENCE_REFRESH_MS);
      socket.once('close', () => {
        clearInterval(recheck);
        clearInterval(presence);
        leave();
        if (!hub.hasUser(tenantId, principal.userId)) {
          markOffline(options.db, tenantId, principal.userId).catch((error: unknown) =>
            options.logger.warn({ err: error }, 'could not record presence'),
          );
        }
      });
      // The greeting carries the member's unread notification count and, for approvers, the number of
      // quotes awaiting approval: the bell and the navigation's badge need no request of their own.
      const countOrNothing = <T>(what: string, count: () => Promise<T>) =>
        count().catch((error: unknown) => {
          options.logger.warn({ err: error }, `could not count ${what}`);
          return undefined;
        });
      const [unreadNotifications, approvalsWaiting] = await Promise.all([
        countOrNothing('unread notifications', () =>
          unreadNotificationCount(options.db, tenantId, principal.userId),
        ),
        principal.role !== null && roleAllows(principal.role, 'quotes.approve')
          ? countOrNothing('quotes awaiting approval', () =>
              approvalsWaitingCount(options.db, tenantId, APPROVALS_BADGE_CAP),
            )
          : undefined,
      ]);
      if (socket.readyState !== socket.OPEN) return;
      socket.send(JSON.stringify({ type: 'hello', unreadNotifications, approvalsWaiting }));
    },
  );
};

function endSocket(socket: WebSocket, leave: () => void): void {
  leave();
  socket.close(LIVE_CLOSE.sessionEnded, 'session ended');
}

/**
 * The socket's session still works in the same tenant with a role that may read conversations, and
 * meets the tenant's two-factor requirement (as the route access policy demands of every request). Checked
 * without refreshing the session's last activity: an open tab alone must not keep a session from idling
 * out.
 */
async function stillAllowed(
  authenticate: Authenticate,
  sessionToken: string | undefined,
  ip: string,
  original: SessionPrincipal,
): Promise<boolean> {
  const now = await authenticate({ sessionToken, bearer: undefined, ip, touch: false });
  return (
    now?.kind === 'session' &&
    now.sessionId === original.sessionId &&
    !now.mfaPending &&
    !(now.tenantRequiresTwoFactor && !now.twoFactorEnabled) &&
    now.tenantId === original.tenantId &&
    now.role !== null &&
    roleAllows(now.role, 'conversations.read')
  );
}
