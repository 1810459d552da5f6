import { QueryClient, queryOptions } from '@tanstack/react-query';
import { ApiError, api } from './client';
import type { Label, Member, QuoteSettings, WorkspacePlan } from './types';

/**
 * Every cached server answer has a key here, so a live event can name exactly what it made stale
 * (live/live-query-sync.ts) and a change can update or invalidate what shows it.
 */
export const keys = {
  all: [] as const,
  conversationLists: ['conversations'] as const,
  conversationList: (filter: string, q: string) => ['conversations', filter, q] as const,
  conversation: (id: string) => ['conversation', id] as const,
  messages: (conversationId: string) => ['messages', conversationId] as const,
  notes: (conversationId: string) => ['notes', conversationId] as const,
  contact: (id: string) => ['contact', id] as const,
  contactConversations: (id: string) => ['contact', id, 'conversations'] as const,
  labels: ['labels'] as const,
  members: ['members'] as const,
  cannedResponses: (q: string) => ['canned-responses', q] as const,
  templates: (channelId: string) => ['templates', channelId] as const,
  list: (path: string) => ['list', path] as const,
  quotes: ['quotes'] as const,
  conversationQuotes: (conversationId: string) => ['quotes', 'conversation', conversationId] as const,
  quote: (id: string) => ['quotes', 'quote', id] as const,
  approvals: ['quotes', 'approvals'] as const,
  quoteSettings: ['quote-settings'] as const,
  catalog: ['catalog'] as const,
  /** Every call-back list (settings page, a contact's panel): a live call-back event refreshes them. */
  callbacks: ['callbacks'] as const,
  callbackList: (query: string) => ['callbacks', 'list', query] as const,
  contactCallbacks: (contactId: string) => ['callbacks', 'contact', contactId] as const,
  workspacePlan: ['workspace-plan'] as const,
  /** Contact lists and the pipeline board (any filter, any column). */
  contactLists: ['contacts'] as const,
  /** The import screen: the list of imports and each import's state. */
  contactImports: ['contact-imports'] as const,
  contactImport: (id: string) => ['contact-imports', id] as const,
  /** The signed-in member's notifications: the bell's count and its list. */
  notifications: ['notifications'] as const,
  notificationCount: ['notifications', 'count'] as const,
  notificationPreferences: ['notification-preferences'] as const,
  inboxSettings: ['inbox-settings'] as const,
  /** Campaigns: the list, and each campaign with its progress, recipients and report. */
  campaigns: ['campaigns'] as const,
  campaign: (id: string) => ['campaigns', id] as const,
};

/** Client errors (4xx) will not change on a retry; a network failure or a 5xx may. */
function shouldRetry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failures < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live events invalidate what changed; until one does, what is shown is current.
        staleTime: 30_000,
        retry: shouldRetry,
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}

export const membersQuery = queryOptions({
  queryKey: keys.members,
  queryFn: async ({ signal }) =>
    (await api<{ items: Member[] }>('GET', '/members?limit=100', undefined, { signal })).items,
});

export const labelsQuery = queryOptions({
  queryKey: keys.labels,
  queryFn: async ({ signal }) =>
    (await api<{ items: Label[] }>('GET', '/labels', undefined, { signal })).items,
});

export const quoteSettingsQuery = queryOptions({
  queryKey: keys.quoteSettings,
  queryFn: ({ signal }) => api<QuoteSettings>('GET', '/quotes/settings', undefined, { signal }),
  staleTime: 300_000,
});

/** The workspace's plan and meters: the banner (every page) and Settings › Usage. */
export const workspacePlanQuery = queryOptions({
  queryKey: keys.workspacePlan,
  queryFn: ({ signal }) => api<WorkspacePlan>('GET', '/workspace/plan', undefined, { signal }),
  staleTime: 60_000,
  refetchInterval: 300_000,
});
