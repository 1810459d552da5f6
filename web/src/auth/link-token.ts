import { useEffect, useState } from 'react';

/** The token of a mailed link, captured once per page load (see takeLinkToken). */
let captured: { path: string; token: string } | null = null;

/**
 * Reads `#token=…` from the address bar and removes it with history.replaceState, so the token is never
 * sent to a server in a URL, stays out of the history entry and is not shown over a shoulder or in a
 * screenshot. Kept in memory for this page: React may render twice and the page may re-render after the
 * fragment is gone.
 */
export function takeLinkToken(): string | null {
  const path = window.location.pathname;
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash) {
    captured = { path, token: fromHash };
    window.history.replaceState(window.history.state, '', `${path}${window.location.search}`);
  }
  return captured?.path === path ? captured.token : null;
}

/**
 * The page's link token, also when another link to the same page is opened in this tab: that only
 * changes the fragment, so the browser does not load the page again.
 */
export function useLinkToken(): string | null {
  const [token, setToken] = useState(takeLinkToken);
  useEffect(() => {
    const update = () => setToken(takeLinkToken());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return token;
}
