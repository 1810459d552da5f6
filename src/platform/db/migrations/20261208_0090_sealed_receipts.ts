import { type Kysely, sql } from 'kysely';

/**
 * The data-key version of a sealed jsonb value (ADR 0036): the inbound receipts' raw parts
 * (`sms_inbound.params`, `whatsapp_inbound.message`) are stored as a JSON string holding the sealed text
 * (STX + base64 envelope); an object or anything else is legacy plaintext (null).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function data_key_version(p_value jsonb) returns integer
    language sql immutable parallel safe as $$
      select case when jsonb_typeof(p_value) = 'string' then data_key_version(p_value #>> '{}') end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function data_key_version(jsonb)`.execute(db);
}
