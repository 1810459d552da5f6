import { useCallback, useEffect, useState } from 'react';
import {
  ApiError,
  api,
  replaceSession,
  sessionReplacing,
  sessionSettled,
  setCsrfToken,
  setUnauthenticatedHandler,
} from '../api/client';
import type { Session } from '../api/types';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'second-factor' }
  | { status: 'signed-in'; session: Session };

/** The signed-in user and workspace, loaded from GET /auth/session; every 401 returns to sign-in. */
export function useSession() {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const adopt = useCallback((session: Session) => {
    setCsrfToken(session.csrfToken);
    setState(session.mfaPending ? { status: 'second-factor' } : { status: 'signed-in', session });
  }, []);

  /** Reads the session again; resolves whether it is a signed-in one. */
  const reload = useCallback(async (): Promise<boolean> => {
    try {
      const session = await api<Session>('GET', '/auth/session', undefined, { quietUnauthenticated: true });
      adopt(session);
      return !session.mfaPending;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setCsrfToken(null);
        setState({ status: 'signed-out' });
        return false;
      }
      throw error;
    }
  }, [adopt]);

  const signedOut = useCallback(() => {
    setCsrfToken(null);
    setState({ status: 'signed-out' });
  }, []);

  /**
   * The session ended (a 401, the live channel's notice): signed out, unless a request replacing the
   * session is under way, whose new cookie is then read again once it has answered.
   */
  const sessionEnded = useCallback(() => {
    if (!sessionReplacing()) return signedOut();
    void sessionSettled().then(reload).catch(signedOut);
  }, [reload, signedOut]);

  useEffect(() => {
    setUnauthenticatedHandler(sessionEnded);
    reload().catch(() => setState({ status: 'signed-out' }));
  }, [reload, sessionEnded]);

  const signOut = useCallback(async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    signedOut();
  }, [signedOut]);

  const switchTenant = useCallback(
    async (tenantId: string) =>
      adopt(await replaceSession(() => api<Session>('POST', '/auth/switch-tenant', { tenantId }))),
    [adopt],
  );

  return { state, reload, adopt, signOut, signedOut, switchTenant };
}
