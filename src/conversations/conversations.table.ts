import type { ColumnType, Generated, Selectable } from 'kysely';
import type { ChannelKind } from '../channels/channel-adapter.js';
import type { JsonColumn } from '../platform/db/json.js';

export type Ownership = 'bot' | 'human' | 'paused';
/** The languages the agents speak (the database checks the same list). */
export const LANGUAGES = ['en', 'it', 'pt', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface ConversationsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  channelId: string;
  /** Which channel's adapter serves the conversation (ADR 0027). */
  channelKind: Generated<ChannelKind>;
  /** Generated: `channelId` of a WhatsApp conversation (its foreign key to whatsapp_channels), else null. */
  whatsappChannelId: ColumnType<string | null, never, never>;
  /** Generated: `channelId` of an SMS conversation (its foreign key to twilio_numbers), else null. */
  smsNumberId: ColumnType<string | null, never, never>;
  contactId: string;
  /** Who answers: the agent (`bot`), nobody automatic (`human`), or nobody until `pausedUntil`. */
  ownership: Generated<Ownership>;
  pausedUntil: Date | null;
  /** Out of the open inbox until then, or until the customer writes (whichever comes first). */
  snoozedUntil: Generated<Date | null>;
  language: Language | null;
  /** The agent's own memory between turns (the qualifier's step, pending confirmation, ...). */
  agentState: JsonColumn<Record<string, unknown>>;
  /** Meta time of the customer's last message: the 24-hour customer-service window starts here. */
  lastInboundAt: Date | null;
  lastMessageAt: Date | null;
  /** Closed conversations leave the open inbox; a customer's next message reopens them. */
  status: Generated<ConversationStatus>;
  /** A member of the tenant (the foreign key clears it when the membership ends). */
  assigneeUserId: Generated<string | null>;
  /** The contact's `search_text`, copied by triggers (search walks conversations without a join). */
  searchText: ColumnType<string, never, never>;
  /** Generated: last message (or creation) in milliseconds, the inbox order. */
  activityAt: ColumnType<Date, never, never>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type ConversationStatus = 'open' | 'closed';

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

/** Private notes of operators on a conversation: never sent, never among its messages. */
export interface ConversationNotesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  conversationId: string;
  authorUserId: string | null;
  text: string;
  createdAt: Generated<Date>;
}

export type ConversationNote = Selectable<ConversationNotesTable>;

/** Per user: inbound messages received after `readAt` are unread for them. */
export interface ConversationReadsTable {
  conversationId: string;
  userId: string;
  tenantId: Generated<string>;
  readAt: Date;
}
