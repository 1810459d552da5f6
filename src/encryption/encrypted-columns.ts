import { type RawBuilder, sql } from 'kysely';
import type { EncryptedField } from '../platform/crypto/envelope.js';

export interface EncryptedColumn {
  readonly field: EncryptedField;
  readonly table: string;
  readonly column: string;
  /**
   * The key the re-encryption job and the erasure search walk the table by: one column, or the two columns
   * of a composite primary key (walked as `first::text || ' ' || second`, text order).
   */
  readonly id: string | readonly [string, string];
  readonly idType: 'uuid' | 'bigint' | 'text';
  /** jsonb: the sealed text is stored as a JSON string; legacy plaintext is the JSON value itself. */
  readonly type: 'text' | 'bytea' | 'jsonb';
}

/** The database columns encrypted at rest (ADR 0036); media blobs are sealed by the blob store. */
export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  { field: 'messages.text', table: 'messages', column: 'text', id: 'id', idType: 'uuid', type: 'text' },
  {
    field: 'conversation_notes.text',
    table: 'conversation_notes',
    column: 'text',
    id: 'id',
    idType: 'uuid',
    type: 'text',
  },
  {
    field: 'whatsapp_webhook_events.body',
    table: 'whatsapp_webhook_events',
    column: 'body',
    id: 'id',
    idType: 'bigint',
    type: 'bytea',
  },
  {
    field: 'whatsapp_inbound.message',
    table: 'whatsapp_inbound',
    column: 'message',
    id: ['channel_id', 'provider_message_id'],
    idType: 'text',
    type: 'jsonb',
  },
  {
    field: 'sms_inbound.body',
    table: 'sms_inbound',
    column: 'body',
    id: ['number_id', 'message_sid'],
    idType: 'text',
    type: 'text',
  },
  {
    field: 'sms_inbound.params',
    table: 'sms_inbound',
    column: 'params',
    id: ['number_id', 'message_sid'],
    idType: 'text',
    type: 'jsonb',
  },
];

export function encryptedColumn(table: string, column: string): EncryptedColumn | undefined {
  return ENCRYPTED_COLUMNS.find((entry) => entry.table === table && entry.column === column);
}

/** The column's row key as one SQL expression (ordered and compared as its `idType`). */
export function rowKey(column: EncryptedColumn): RawBuilder<unknown> {
  if (typeof column.id === 'string') return sql`${sql.ref(`${column.table}.${column.id}`)}`;
  const [first, second] = column.id;
  return sql`(${sql.ref(`${column.table}.${first}`)}::text || ' ' || ${sql.ref(`${column.table}.${second}`)})`;
}
