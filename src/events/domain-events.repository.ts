import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { DomainEvent } from './domain-events.table.js';

/** Facts other parts of the product react to; written in the transaction of the change they describe. */
export type DomainEventType = 'profile.completed' | 'quote.accepted' | 'campaign.event';

export async function insertDomainEvent(
  trx: TenantTransaction,
  event: { type: DomainEventType; subjectId: string; payload: Record<string, unknown> },
): Promise<DomainEvent> {
  return trx
    .insertInto('domainEvents')
    .values({ type: event.type, subjectId: event.subjectId, payload: JSON.stringify(event.payload) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Oldest first, from after `afterId`: how a reader such as CRM sync walks the log. */
export async function listDomainEvents(
  trx: TenantTransaction,
  options: { type: DomainEventType; afterId?: string; limit: number },
): Promise<DomainEvent[]> {
  let query = trx.selectFrom('domainEvents').selectAll().where('type', '=', options.type);
  if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
  return query.orderBy('id').limit(options.limit).execute();
}
