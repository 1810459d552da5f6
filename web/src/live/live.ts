import type { LiveEvent } from '../api/types';

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveOptions {
  onEvent: (event: LiveEvent) => void;
  /** Events may have been missed (reconnect, slow-client drop, server resync): refetch what is shown. */
  onResync: () => void;
  onState: (state: LiveState) => void;
  /** The server closed with 4001: the session ended or now works elsewhere; ask the server which. */
  /** Resolves whether the member is still signed in (to the same workspace) under a new session. */
  onSessionEnded: () => Promise<boolean>;
}

const SESSION_ENDED = 4001;
const MAX_DELAY_MS = 30_000;

/**
 * The inbox's WebSocket (/api/v1/live, same origin, session cookie). Reconnects with exponential backoff
 * and full jitter; every reconnect resynchronises, since events sent while disconnected are gone.
 */
export function connectLive(options: LiveOptions): () => void {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: number | undefined;
  let stopped = false;
  let connectedBefore = false;

  const open = () => {
    options.onState('connecting');
    const url = new URL('/api/v1/live', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const current = new WebSocket(url);
    socket = current;
    current.onmessage = (message) => {
      let event: LiveEvent;
      try {
        event = JSON.parse(String(message.data)) as LiveEvent;
      } catch {
        return;
      }
      if (event.type === 'hello') {
        attempt = 0;
        options.onState('live');
        if (connectedBefore) options.onResync();
        connectedBefore = true;
        // Listeners read what the greeting carries (the bell's unread count) without a request of their own.
        options.onEvent(event);
      } else if (event.type === 'resync') {
        options.onResync();
      } else {
        options.onEvent(event);
      }
    };
    current.onclose = (close) => {
      if (socket !== current || stopped) return;
      socket = null;
      options.onState('offline');
      if (close.code === SESSION_ENDED) {
        // The session this socket was opened with ended. A new one may have replaced it (re-authentication):
        // then the channel opens again, with the new session's cookie.
        void options.onSessionEnded().then((stillSignedIn) => {
          if (stillSignedIn && !stopped && socket === null) open();
        });
        return;
      }
      const delay = Math.random() * Math.min(MAX_DELAY_MS, 500 * 2 ** attempt);
      attempt += 1;
      timer = window.setTimeout(open, delay);
    };
  };

  open();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    socket?.close(1000);
  };
}
