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

/** Settings pages (issue 18): shapes of the API's answers, as the pages read them. */
export interface AuditEntryNamed extends AuditEntry {
  actorName: string | null;
}

export interface WhatsappChannelSettings extends Channel {
  messagesPerSecond: number;
  markAsRead: boolean;
  appSecretRotating: boolean;
  previousAppSecretValidUntil: string | null;
  verified: boolean;
  verificationError: string | null;
  updatedAt: string;
}

export type BotLanguage = 'en' | 'it' | 'pt' | 'es';
export type ProfileField = 'first_name' | 'last_name' | 'company' | 'email';

export interface QualifierSettings {
  defaultLanguage: BotLanguage;
  requiredFields: ProfileField[];
  prompts: Partial<Record<BotLanguage, Record<string, string>>>;
  confirmProfile: boolean;
  updatedAt: string | null;
  defaultPrompts: Record<BotLanguage, Record<string, string>>;
  placeholders: Record<string, string[]>;
}

export interface LlmProvider {
  id?: string;
  kind: 'openai' | 'anthropic';
  baseUrl: string;
  model: string;
  timeoutMs: number;
  apiKeyHint?: string | null;
  apiKey?: string;
}

export interface LlmLimits {
  requestsPerMinute: number | null;
  requestsPerDay: number | null;
  tokensPerMinute: number | null;
  tokensPerDay: number | null;
  monthlySpendCapUsd: number | null;
}

export interface LlmSettings {
  enabled: boolean;
  providers: LlmProvider[];
  persona: string;
  knowledge: string;
  limits: LlmLimits;
  historyTokens: number;
  maxOutputTokens: number;
  failuresBeforeHandoff: number;
  updatedAt: string | null;
}

export interface LlmTotals {
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface LlmUsage {
  from: string;
  to: string;
  days: (LlmTotals & { day: string })[];
  conversations: (LlmTotals & { conversationId: string })[];
}
