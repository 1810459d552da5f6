import { useCallback, useEffect, useState } from 'react';
import { ApiError, api, setCsrfToken, setUnauthenticatedHandler } from '../api/client';
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

  const reload = useCallback(async () => {
    try {
      adopt(await api<Session>('GET', '/auth/session', undefined, { quietUnauthenticated: true }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setCsrfToken(null);
        setState({ status: 'signed-out' });
      } else {
        throw error;
      }
    }
  }, [adopt]);

  const signedOut = useCallback(() => {
    setCsrfToken(null);
    setState({ status: 'signed-out' });
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(signedOut);
    reload().catch(() => setState({ status: 'signed-out' }));
  }, [reload, signedOut]);

  const signOut = useCallback(async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    signedOut();
  }, [signedOut]);

  const switchTenant = useCallback(
    async (tenantId: string) => adopt(await api<Session>('POST', '/auth/switch-tenant', { tenantId })),
    [adopt],
  );

  return { state, reload, adopt, signOut, signedOut, switchTenant };
}
