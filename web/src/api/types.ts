// Wire types of the Leadline API (docs/contract: /api/docs). Optional fields are ones the page copes
// without, so a server that lacks them (an older release) still renders.

export type Role = 'owner' | 'admin' | 'agent';
export type Ownership = 'bot' | 'human' | 'paused';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Membership {
  id: string;
  name: string;
  role: Role;
  requireTwoFactor: boolean;
}

export interface Session {
  user: { id: string; email: string; displayName: string | null; twoFactorEnabled: boolean };
  activeTenant: Membership | null;
  tenants: Membership[];
  csrfToken: string;
  mfaPending: boolean;
}

export interface ContactSummary {
  id: string;
  phoneE164: string;
  displayName: string | null;
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  email?: string | null;
}

export interface Label {
  id: string;
  name: string;
  color: string;
}

export interface Conversation {
  id: string;
  channelId: string;
  /** Absent from servers older than channel-agnostic conversations: WhatsApp then. */
  channelKind?: 'whatsapp' | 'sms';
  ownership: Ownership;
  pausedUntil: string | null;
  language: string | null;
  lastInboundAt: string | null;
  lastMessageAt: string | null;
  createdAt: string;
  contact: ContactSummary;
  status?: 'open' | 'closed';
  assignee?: { userId: string; email: string; displayName: string | null } | null;
  labels?: Label[];
  unreadCount?: number;
  lastMessage?: {
    preview: string | null;
    type: string;
    direction: 'inbound' | 'outbound';
    author: string;
    sentAt: string;
  } | null;
  windowOpenUntil?: string | null;
}

export type MessageStatus = 'pending' | 'accepted' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';

export interface Message {
  id: string;
  direction: 'inbound' | 'outbound';
  author: 'customer' | 'bot' | 'operator' | 'system';
  authorUserId: string | null;
  type: string;
  text: string | null;
  content: Record<string, unknown>;
  unsupported: boolean;
  sentAt: string;
  status: MessageStatus | null;
  errorCode: number | null;
  errorTitle: string | null;
}

export interface Note {
  id: string;
  conversationId: string;
  authorUserId: string | null;
  authorEmail: string | null;
  text: string;
  createdAt: string;
}

export interface Contact extends ContactSummary {
  profileCompletedAt?: string | null;
  qualification?: { required: string[]; missing: string[] };
  createdAt?: string;
}

export interface CannedResponse {
  id: string;
  shortcut: string;
  text: string;
}

export interface Template {
  name: string;
  language: string;
  category: string;
  status: string;
  components: unknown[];
}

export interface Member {
  userId: string;
  email: string;
  displayName: string | null;
  role: Role;
  joinedAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
  createdAt: string;
}

export interface Channel {
  id: string;
  name: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
  webhookUrl: string;
  disabled: boolean;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  status: 'active' | 'rotating' | 'revoked' | 'expired';
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface AuditEntry {
  id: string;
  action: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
  createdAt: string;
}

/** Ids only: the page refetches what changed through the REST API. */
export type LiveEvent =
  | { type: 'hello' }
  | { type: 'resync' }
  | { type: 'message.created' | 'message.updated'; conversationId: string; messageId: string }
  | { type: 'conversation.updated'; conversationId: string }
  | { type: 'note.created'; conversationId: string; noteId: string }
  | { type: 'contact.updated'; contactId: string };
