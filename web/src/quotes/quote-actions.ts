import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client';
import { keys } from '../api/queries';
import type { Quote, SentQuote } from '../api/types';
import type { QuoteContent } from './QuoteEditor';
import { describeQuoteError } from './quote-parts';

/**
 * The steps of a quote as the dashboard takes them; each refreshes every quote list afterwards (live
 * events do the same for other people's steps), and a failure becomes the caller's error, a 409 said as
 * "someone else acted first".
 */
export function useQuoteActions(onError?: (message: string | null) => void) {
  const client = useQueryClient();
  const [ownError, setOwnError] = useState<string | null>(null);
  // A caller whose view may unmount on the refresh (a queue entry) reports the error where it stays.
  const setError = onError ?? setOwnError;
  const error = onError ? null : ownError;
  const run = async <T>(work: () => Promise<T>): Promise<T | null> => {
    try {
      const result = await work();
      setError(null);
      return result;
    } catch (caught) {
      setError(describeQuoteError(caught));
      return null;
    } finally {
      await client.invalidateQueries({ queryKey: keys.quotes });
    }
  };
  const step = (quote: Quote, path: 'submit' | 'approve') =>
    run(() => api<Quote>('POST', `/quotes/${quote.id}/${path}`, { version: quote.version.version }));
  return {
    error,
    setError,
    create: (conversationId: string, content: QuoteContent) =>
      run(() => api<Quote>('POST', '/quotes', { conversationId, ...content })),
    draftFromConversation: (conversationId: string) =>
      run(() => api<Quote>('POST', '/quotes/draft-from-conversation', { conversationId })),
    edit: (quote: Quote, content: QuoteContent) =>
      run(() => api<Quote>('PUT', `/quotes/${quote.id}`, { version: quote.version.version, ...content })),
    submit: (quote: Quote) => step(quote, 'submit'),
    approve: (quote: Quote) => step(quote, 'approve'),
    reject: (quote: Quote, reason: string) =>
      run(() => api<Quote>('POST', `/quotes/${quote.id}/reject`, { version: quote.version.version, reason })),
    send: (quote: Quote) =>
      run(() => api<SentQuote>('POST', `/quotes/${quote.id}/send`, { version: quote.version.version })),
  };
}
