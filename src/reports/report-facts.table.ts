import type { Generated } from 'kysely';

/** One conversation's measured moments (the rollup job keeps it current; ADR 0047). */
export interface ReportConversationFactsTable {
  conversationId: string;
  tenantId: Generated<string>;
  channelKind: string;
  startedAt: Date;
  firstInboundAt: Date | null;
  firstBotReplyAt: Date | null;
  /** Seconds the workspace was open between the first inbound message and the bot's first reply. */
  firstBotReplyBusinessS: number | null;
  /** When the conversation first went to a person (null: it never did, or it started with one). */
  handedOverAt: Date | null;
  firstHumanReplyAt: Date | null;
  firstHumanReplyUserId: string | null;
  firstHumanReplyBusinessS: number | null;
  /** When the contact's profile was completed (may be before the conversation started). */
  qualifiedAt: Date | null;
  quotedAt: Date | null;
  acceptedAt: Date | null;
  refreshedAt: Generated<Date>;
}

/** One member's part in one conversation. */
export interface ReportMemberFactsTable {
  conversationId: string;
  userId: string;
  tenantId: Generated<string>;
  firstMessageAt: Date;
  messages: number;
  /** For each reply that answered a customer's message: seconds since that message. */
  responseSeconds: Generated<number[]>;
}

export interface ReportRollupStateTable {
  tenantId: Generated<string>;
  watermark: Date;
}
