import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { createDb } from '../src/platform/db/database.js';

const FIRST = ['Anna', 'Marco', 'Giulia', 'Luca', 'Sofia', 'Paolo', 'Chiara', 'Ana', 'João', 'Maria'];
const LAST = ['Rossi', 'Bianchi', 'Ferrari', 'Esposito', 'Silva', 'Santos', 'Oliveira', 'Costa', 'Romano'];

export const MESSAGES_PER_CONVERSATION = 10;

/**
 * A large workspace for the read benches (bench:inbox, bench:reports): `contacts` contacts with one
 * conversation each and ten messages per conversation, read marks and labels, all in set-based statements.
 */
export async function seedInbox(
  ownerDb: ReturnType<typeof createDb>,
  tenantId: string,
  channelId: string,
  userId: string,
  contacts: number,
) {
  const started = performance.now();
  const first = sql.val(FIRST);
  const last = sql.val(LAST);
  await sql`
    insert into contacts (tenant_id, phone_e164, display_name, first_name, last_name, company, email, created_at)
    select ${tenantId}::uuid, '+39' || (3300000000 + g)::text,
           f || ' ' || l, case when g % 3 = 0 then f end, case when g % 3 = 0 then l end,
           case when g % 4 = 0 then 'Company ' || (g % 5000) end,
           case when g % 2 = 0 then lower(f) || '.' || lower(l) || g || '@example.com' end,
           now() - interval '30 days'
    from generate_series(1, ${contacts}) g,
         lateral (select (${first}::text[])[1 + g % ${FIRST.length}] as f,
                         (${last}::text[])[1 + (g / ${FIRST.length}) % ${LAST.length}] as l) names`.execute(
    ownerDb,
  );
  // Activity spreads over 30 days; every 10th closed, every 20th assigned to the bench user, a mix of owners.
  await sql`
    insert into conversations (tenant_id, channel_id, contact_id, ownership, paused_until, status,
                               assignee_user_id, last_inbound_at, last_message_at, created_at)
    select ${tenantId}::uuid, ${channelId}::uuid, c.id,
           case when n % 7 = 0 then 'human' else 'bot' end, null,
           case when n % 10 = 0 then 'closed' else 'open' end,
           case when n % 20 = 0 then ${userId}::uuid end,
           t - interval '1 minute', t, now() - interval '30 days'
    from (select id, row_number() over (order by id) as n from contacts where tenant_id = ${tenantId}::uuid) c,
         lateral (select date_trunc('second', now() - (n * interval '25 seconds')) as t) times`.execute(
    ownerDb,
  );
  await sql`
    insert into messages (tenant_id, conversation_id, channel_id, direction, author, provider_message_id, type,
                          text, content, sent_at, status, created_at)
    select ${tenantId}::uuid, c.id, c.channel_id,
           case when k % 2 = 1 then 'inbound' else 'outbound' end,
           case when k % 2 = 1 then 'customer' else 'bot' end,
           'wamid.bench.' || c.id || '.' || k, 'text',
           'Message ' || k || ': hello, I would like a quote for ' || (k * 3) || ' pallets of tiles',
           '{}', c.last_message_at - ((${MESSAGES_PER_CONVERSATION} - k) * interval '1 minute'),
           case when k % 2 = 0 then 'delivered' end,
           c.last_message_at - ((${MESSAGES_PER_CONVERSATION} - k) * interval '1 minute')
    from conversations c, generate_series(1, ${MESSAGES_PER_CONVERSATION}) k
    where c.tenant_id = ${tenantId}::uuid`.execute(ownerDb);
  // Half the conversations read halfway through: unread counts of 0, some, and all.
  await sql`
    insert into conversation_reads (tenant_id, conversation_id, user_id, read_at)
    select ${tenantId}::uuid, id, ${userId}::uuid, last_message_at - interval '5 minutes'
    from conversations where tenant_id = ${tenantId}::uuid and hashtext(id::text) % 2 = 0`.execute(ownerDb);
  await sql`
    insert into labels (tenant_id, name, color)
    select ${tenantId}::uuid, 'Label ' || g, '#336699' from generate_series(1, 5) g`.execute(ownerDb);
  await sql`
    insert into conversation_labels (tenant_id, conversation_id, label_id)
    select ${tenantId}::uuid, c.id, l.id
    from conversations c join labels l on l.name = 'Label ' || (1 + abs(hashtext(c.id::text)) % 5)
    where c.tenant_id = ${tenantId}::uuid and abs(hashtext(c.id::text)) % 10 < 3`.execute(ownerDb);
  // As autovacuum would have by now: statistics, and visibility maps for index-only scans.
  await sql`vacuum analyze`.execute(ownerDb);
  const { rows } = await sql<{ contacts: number; messages: number }>`
    select (select count(*)::int from contacts) as contacts, (select count(*)::int from messages) as messages`.execute(
    ownerDb,
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `seeded ${rows[0]?.contacts} contacts, ${rows[0]?.messages} messages in ${seconds} s\n`,
  );
}
