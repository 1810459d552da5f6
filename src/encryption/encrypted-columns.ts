import type { EncryptedField } from '../platform/crypto/envelope.js';

export interface EncryptedColumn {
  readonly field: EncryptedField;
  readonly table: string;
  readonly column: string;
  /** The key the re-encryption job walks the table by. */
  readonly id: string;
  readonly idType: 'uuid' | 'bigint';
  readonly type: 'text' | 'bytea';
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
];

export function encryptedColumn(table: string, column: string): EncryptedColumn | undefined {
  return ENCRYPTED_COLUMNS.find((entry) => entry.table === table && entry.column === column);
}
