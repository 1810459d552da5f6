import { type QueryClient, type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { keys } from '../api/queries';
import type { LiveEvent } from '../api/types';
import { useLiveEvents } from './use-live';

/** What each live event makes stale (events are ids only; the page refetches through the REST API). */
export function staleKeys(event: LiveEvent): QueryKey[] {
  switch (event.type) {
    case 'resync':
      return [keys.all];
    case 'message.created':
      return [
        keys.conversationLists,
        keys.conversation(event.conversationId),
        keys.messages(event.conversationId),
      ];
    case 'message.updated':
      return [keys.messages(event.conversationId)];
    case 'conversation.updated':
      return [keys.conversationLists, keys.conversation(event.conversationId)];
    case 'note.created':
      return [keys.notes(event.conversationId)];
    case 'contact.updated':
      return [keys.contact(event.contactId), keys.conversationLists, keys.contactLists];
    case 'quote.updated':
    case 'quote.approval_overdue':
      // Every quote list (a conversation's, the approval queue and its badge) and the quote itself.
      return [keys.quotes];
    case 'callback.updated':
      return [keys.callbacks];
    case 'contact_import.updated':
      return [keys.contactImports, keys.contactLists];
    case 'notification.created':
    case 'notifications.read':
      return [keys.notifications];
    case 'campaign.progress':
      // The campaign (status, progress, recipients, report) and the list's status column.
      return [keys.campaign(event.campaignId), [...keys.campaigns, 'list']];
    default:
      return [];
  }
}

/** Bursts of events (a busy workspace) cost one refetch per query, not one per event. */
const FLUSH_AFTER_MS = 150;

function flush(client: QueryClient, pending: Map<string, QueryKey>) {
  for (const queryKey of pending.values()) void client.invalidateQueries({ queryKey });
  pending.clear();
}

/** Invalidates the cached answers each live event made stale; mounted once, inside LiveProvider. */
export function useLiveQuerySync(): void {
  const client = useQueryClient();
  const pending = useRef(new Map<string, QueryKey>());
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  useLiveEvents((event) => {
    const stale = staleKeys(event);
    if (stale.length === 0) return;
    for (const key of stale) pending.current.set(JSON.stringify(key), key);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => flush(client, pending.current), FLUSH_AFTER_MS);
  });
}
