import type { ColumnType, Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';

export type Ownership = 'bot' | 'human' | 'paused';
export type Language = 'en' | 'it' | 'pt';

export interface ConversationsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  channelId: string;
  contactId: string;
  /** Who answers: the agent (`bot`), nobody automatic (`human`), or nobody until `pausedUntil`. */
  ownership: Generated<Ownership>;
  pausedUntil: Date | null;
  language: Language | null;
  /** The agent's own memory between turns (the qualifier's step, pending confirmation, ...). */
  agentState: JsonColumn<Record<string, unknown>>;
  /** Meta time of the customer's last message: the 24-hour customer-service window starts here. */
  lastInboundAt: Date | null;
  lastMessageAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type Conversation = Selectable<ConversationsTable>;

export type OwnershipActor = 'customer' | 'user' | 'agent' | 'system';

export interface ConversationOwnershipEventsTable {
  id: ColumnType<string, never, never>;
  tenantId: Generated<string>;
  conversationId: string;
  fromOwnership: Ownership;
  toOwnership: Ownership;
  pausedUntil: Date | null;
  actorType: OwnershipActor;
  actorUserId: string | null;
  reason: string;
  createdAt: Generated<Date>;
}

export type ConversationOwnershipEvent = Selectable<ConversationOwnershipEventsTable>;
