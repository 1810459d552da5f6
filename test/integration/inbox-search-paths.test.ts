import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import {
  type InboxConversation,
  listConversationPage,
} from '../../src/conversations/conversations.service.js';
import type { InboxFilter } from '../../src/conversations/inbox.repository.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import type { PageCursor } from '../../src/platform/http/cursor.js';
import { testConfig } from '../support/config.js';
import { newTenant, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * A search takes one of several plans (the first conversations walked; a longer walk sized by the
 * probe's hit rate; the trigram index; an unbounded walk), chosen by how the term's matches spread over
 * the inbox order. Here the spread is laid out so that each plan runs, and every result is compared,
 * page by page, with the plain query that defines it.
 */
/** More than a longer walk's bound (12,000), so that a walk can fall short. */
const CONVERSATIONS = 13_000;
const CONTEXT = { requestId: 'inbox-search-paths', ip: '127.0.0.1', userAgent: 'vitest' };

let database: TestDatabase;
let tenantId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig();
  tenantId = await newTenant(database.db, 'Search paths');
  const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Search line',
      phoneNumberId: '106540352242977',
      displayPhoneNumber: '+1 555 078 3877',
      wabaId: '102290129340398',
      accessToken: 'EAAG-search-paths',
      appSecret: 'app-secret-search-paths-0123456789',
    },
  );
  // Conversation n was active n minutes ago. "dense": every 40th all along (2.5 %); "front": every 40th
  // among the newest 2,000, then two beyond any walk's bound; "rare": three; every 7th closed.
  await withTenant(database.db, tenantId, async (trx) => {
    await sql`
      insert into contacts (phone_e164, display_name)
      select '+1555' || lpad(n::text, 7, '0'),
             concat_ws(' ', 'Person ' || n,
               case when n % 40 = 0 then 'Dense' end,
               case when (n <= 2000 and n % 40 = 0) or n in (12500, 12900) then 'Front' end,
               case when n in (7, 1234, 3999) then 'Rare' end)
      from generate_series(1, ${CONVERSATIONS}) n`.execute(trx);
    await sql`
      insert into conversations (channel_id, contact_id, status, last_message_at)
      select ${channel.id}::uuid, c.id, case when n % 7 = 0 then 'closed' else 'open' end,
             now() - n * interval '1 minute'
      from contacts c, lateral (select substr(c.phone_e164, 5)::int as n) numbers`.execute(trx);
  });
});

afterAll(async () => {
  await database?.drop();
});

/** Every page of a search, following the cursor, as conversation ids. */
async function searchAll(search: string, limit: number, filter?: InboxFilter): Promise<string[]> {
  const seen: string[] = [];
  let after: PageCursor | undefined;
  for (let page = 0; page < 100; page += 1) {
    const result = await listConversationPage(database.db, tenantId, {
      viewerUserId: null,
      limit,
      search,
      filter,
      after,
    });
    seen.push(...result.items.map((item: InboxConversation) => item.id));
    if (!result.next) return seen;
    after = result.next;
  }
  throw new Error('search did not end');
}

/** What a search means: every matching conversation, in inbox order (no index, no plan to get wrong). */
async function expected(search: string, status?: 'open' | 'closed'): Promise<string[]> {
  const rows = await withTenant(database.db, tenantId, (trx) =>
    trx
      .selectFrom('conversations')
      .select('id')
      .where('searchText', 'like', `%${search}%`)
      .$if(status !== undefined, (query) => query.where('status', '=', status ?? 'open'))
      .orderBy('activityAt', 'desc')
      .orderBy('id', 'desc')
      .execute(),
  );
  return rows.map((row) => row.id);
}

describe('search plans', () => {
  it.each([
    ['a page filled by the first walk', 'dense', 20, 325],
    ['a longer walk, for a term the probe finds common enough', 'dense', 50, 325],
    ['the trigram index after a walk that falls short', 'front', 50, 52],
    ['the trigram index for a rare term', 'rare', 50, 3],
    ['an unbounded walk for a term too short for trigrams', 'ra', 50, 3],
    ['nothing', 'needle', 50, 0],
  ])('returns every match once, in order: %s', async (_plan, term, limit, count) => {
    const want = await expected(term);
    expect(want).toHaveLength(count);
    expect(await searchAll(term, limit)).toEqual(want);
  });

  it('combines with filters on every plan', async () => {
    for (const term of ['dense', 'front', 'rare']) {
      expect(await searchAll(term, 50, 'open')).toEqual(await expected(term, 'open'));
      expect(await searchAll(term, 50, 'closed')).toEqual(await expected(term, 'closed'));
    }
  });
});
