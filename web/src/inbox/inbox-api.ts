import { ApiError, api, withQuery } from '../api/client';
import type { Conversation, Message, Page } from '../api/types';

export const FILTERS = ['open', 'mine', 'unassigned', 'bot', 'human', 'snoozed', 'closed'] as const;
export type Filter = (typeof FILTERS)[number];

const refusedQuery = (error: unknown) => error instanceof ApiError && error.code === 'validation_failed';

/**
 * A page of the conversation list. A server without the inbox filters (an older release) refuses the
 * query; the list then falls back to what it understands (ownership) rather than showing nothing.
 */
export async function listConversations(
  input: { filter: Filter; q: string; cursor: string | null },
  signal: AbortSignal,
): Promise<Page<Conversation>> {
  const cursor = input.cursor ?? undefined;
  try {
    return await api<Page<Conversation>>(
      'GET',
      withQuery('/conversations', { filter: input.filter, q: input.q, limit: 30, cursor }),
      undefined,
      { signal },
    );
  } catch (error) {
    if (!refusedQuery(error)) throw error;
    const ownership = input.filter === 'bot' || input.filter === 'human' ? input.filter : undefined;
    return api<Page<Conversation>>(
      'GET',
      withQuery('/conversations', { ownership, limit: 30, cursor }),
      undefined,
      {
        signal,
      },
    );
  }
}

/** The newest page of a thread (newest first), or older ones with `cursor`. */
export async function listMessages(
  conversationId: string,
  cursor: string | null,
  signal: AbortSignal,
): Promise<Page<Message>> {
  const path = `/conversations/${conversationId}/messages`;
  try {
    return await api<Page<Message>>('GET', withQuery(path, { order: 'desc', limit: 50, cursor }), undefined, {
      signal,
    });
  } catch (error) {
    if (!refusedQuery(error)) throw error;
    // Without `order=desc`: read the thread oldest first (bounded) and hand it back newest first.
    const items: Message[] = [];
    let next: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const result: Page<Message> = await api<Page<Message>>(
        'GET',
        withQuery(path, { limit: 100, cursor: next }),
        undefined,
        { signal },
      );
      items.push(...result.items);
      next = result.nextCursor;
      if (!next) break;
    }
    return { items: items.reverse(), nextCursor: null };
  }
}
