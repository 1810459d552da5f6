import type { ColumnType, Generated, Selectable } from 'kysely';

export interface AuditLogTable {
  id: ColumnType<string, never, never>;
  tenantId: string | null;
  action: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
  createdAt: Generated<Date>;
}
export type AuditEntry = Selectable<AuditLogTable>;
