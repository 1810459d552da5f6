// Wire types of the Leadline API (docs/contract: /api/docs). Optional fields are ones the page copes
// without, so a server that lacks them (an older release) still renders.

import type { Locale } from '../i18n/locales';

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
  user: {
    id: string;
    email: string;
    displayName: string | null;
    twoFactorEnabled: boolean;
    /** The language chosen in My account (ADR 0045); null follows the browser. */
    locale?: Locale | null;
  };
  activeTenant: Membership | null;
  tenants: Membership[];
  csrfToken: string;
  mfaPending: boolean;
  /** Why the active workspace's plan pauses its bot or LLM; null while nothing is paused. */
  automation: (WorkspacePlan['automation'] & { suspendedReason: string | null }) | null;
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
  /** Whether the channel sends images and documents; absent from servers without attachments. */
  canAttach?: boolean;
  ownership: Ownership;
  pausedUntil: string | null;
  /** Absent from servers without snooze. */
  snoozedUntil?: string | null;
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
  /** The socket is live; with the signed-in member's unread notification count (the bell's first figure). */
  | { type: 'hello'; unreadNotifications?: number; approvalsWaiting?: number }
  | { type: 'resync' }
  | { type: 'message.created' | 'message.updated'; conversationId: string; messageId: string }
  | { type: 'conversation.updated'; conversationId: string }
  | { type: 'note.created'; conversationId: string; noteId: string }
  | { type: 'contact.updated'; contactId: string }
  | { type: 'quote.updated'; quoteId: string; conversationId: string | null; status: string }
  | { type: 'quote.approval_overdue'; quoteId: string; conversationId: string | null }
  | { type: 'callback.updated'; callbackId: string; status: CallbackStatus }
  | { type: 'contact_import.updated'; importId: string }
  | { type: 'notification.created'; userId: string; notificationId: string }
  | { type: 'notifications.read'; userId: string }
  | { type: 'campaign.progress'; campaignId: string };

export type NotificationKind =
  | 'handoff'
  | 'assigned'
  | 'lead_qualified'
  | 'quote_awaiting_approval'
  | 'missed_callback'
  | 'mention'
  | 'lemlist_reply'
  | 'automation';

export interface AppNotification {
  id: string;
  kind: NotificationKind;
  subject: { type: 'conversation' | 'contact' | 'quote' | 'callback' | 'campaign'; id: string };
  title: string;
  browser: boolean;
  readAt: string | null;
  createdAt: string;
}

export interface NotificationPreference {
  kind: NotificationKind;
  inApp: boolean;
  browser: boolean;
}

export type QuoteStatus =
  | 'draft'
  | 'pending_approval'
  | 'approved'
  | 'sent'
  | 'viewed'
  | 'accepted'
  | 'declined'
  | 'expired'
  | 'superseded';

export interface CatalogItem {
  id: string;
  sku: string;
  name: string;
  description: string;
  unit: string;
  unitPriceMinor: number;
  taxRateBp: number;
  active: boolean;
  category: string | null;
  options: string[];
  createdAt: string;
  updatedAt: string;
}

export interface QuoteSummary {
  id: string;
  number: string;
  status: QuoteStatus;
  currentVersion: number;
  totalMinor: number;
  currency: string;
  contactId: string | null;
  conversationId: string | null;
  createdAt: string;
}

export interface QuoteLine {
  position: number;
  catalogItemId: string | null;
  sku: string;
  name: string;
  unit: string;
  unitPriceMinor: number;
  catalogPriceMinor: number | null;
  taxRateBp: number;
  quantity: string;
  discountBp: number;
  note: string;
  sourceMessageId: string | null;
  amountMinor: number;
}

export interface Quote {
  id: string;
  number: string;
  contactId: string | null;
  conversationId: string | null;
  currentVersion: number;
  createdAt: string;
  version: {
    version: number;
    status: QuoteStatus;
    statusChangedAt: string;
    currency: string;
    locale: string;
    validUntil: string;
    notes: string;
    discountBp: number;
    manualPriceChange: boolean;
    draftedByUserId: string | null;
    approvedByUserId: string | null;
    sentAt: string | null;
  };
  lines: QuoteLine[];
  totals: {
    subtotalMinor: number;
    discountMinor: number;
    taxes: { rateBp: number; baseMinor: number; taxMinor: number }[];
    taxMinor: number;
    totalMinor: number;
  };
  versions: { version: number; status: QuoteStatus; statusChangedAt: string; totalMinor: number }[];
}

export interface QuoteDiff {
  fromVersion: number;
  toVersion: number;
  fields: { field: string; from: string | number; to: string | number }[];
  lines: {
    sku: string;
    name: string;
    change: 'added' | 'removed' | 'changed';
    fields: { field: string; from: string | number; to: string | number }[];
  }[];
}

export interface ApprovalEntry {
  quoteId: string;
  number: string;
  version: number;
  waitingSince: string;
  totalMinor: number;
  currency: string;
  contactId: string | null;
  contactName: string | null;
  conversationId: string | null;
  draftedByUserId: string | null;
  manualPriceChange: boolean;
  excerpt: { direction: string; text: string | null; sentAt: string }[];
  diff: QuoteDiff | null;
}

export interface QuoteSettings {
  currency: string;
  locale: 'en' | 'it' | 'pt-BR' | 'es';
  approvalMode: 'always' | 'auto_below';
  autoApproveBelowMinor: number | null;
  drafterCannotApprove: boolean;
  reminderAfterMinutes: number;
  validityDays: number;
  messageTemplate: string | null;
  documentTemplate: string | null;
  hasLogo: boolean;
}

export interface SentQuote {
  link: string;
  messageText: string;
  pdfSha256: string;
}

export interface TwilioConnection {
  accountSid: string;
  friendlyName: string | null;
  authentication: 'auth-token' | 'api-key';
  apiKeySid: string | null;
  verifiedAt: string;
}

export interface HubspotConnection {
  portalId: string;
  mapping: Record<string, string>;
  ownership: Record<string, 'leadline' | 'hubspot'>;
  webhooks: boolean;
  verifiedAt: string;
}

export interface HubspotSyncStatus {
  portalId: string;
  lastSyncAt: string | null;
  syncedTotal: number;
  backlog: number;
  errors: { kind: 'contact' | 'deal'; refId: string; error: string; attempts: number; since: string }[];
}

export interface TwilioNumber {
  id: string;
  phoneE164: string;
  numberSid: string | null;
  sms: boolean;
  voice: boolean;
}

export type WidgetLanguage = 'en' | 'it' | 'pt' | 'es';
export type WidgetTexts = Partial<
  Record<WidgetLanguage, { title?: string; button?: string; consent?: string }>
>;

export interface CallbackWidget {
  id: string;
  publicKey: string;
  name: string;
  allowedOrigins: string[];
  defaultCountry: string;
  texts: WidgetTexts;
  colors: { accent?: string; text?: string };
  agentNumbers: string[];
  ringStrategy: 'simultaneous' | 'sequential';
  callerNumberId: string | null;
  disabled: boolean;
  snippet: string;
  createdAt: string;
  updatedAt: string;
}

export interface CallbackSettings {
  allowedCountries: string[];
  retryAfterMinutes: number;
  maxRetries: number;
  machineDetection: boolean;
  perNumberPerDay: number;
  perWidgetPerDay: number;
  notifyEmail: string | null;
  notifySmsE164: string | null;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export interface HoursInterval {
  start: string;
  end: string;
}
export interface BusinessHours {
  timeZone: string;
  weekly: Record<Weekday, HoursInterval[]>;
  holidays: { country: string; region?: string } | null;
  closures: { date: string; note?: string }[];
  specialOpenings: { date: string; intervals: HoursInterval[] }[];
}
export interface BusinessHoursView {
  calendar: BusinessHours | null;
  open: boolean;
  nextOpening: string | null;
  upcomingHolidays: { date: string; name: string }[];
}

export const CALLBACK_STATUSES = [
  'requested',
  'scheduled',
  'calling_business',
  'business_answered',
  'calling_visitor',
  'connected',
  'completed',
  'business_no_answer',
  'visitor_no_answer',
  'busy',
  'failed',
  'canceled',
] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

export interface Callback {
  id: string;
  widgetId: string;
  visitorE164: string;
  visitorName: string | null;
  language: string;
  status: CallbackStatus;
  attempts: number;
  scheduledFor: string | null;
  answeredByNumber: string | null;
  durationSeconds: number | null;
  outcomeDetail: string | null;
  createdAt: string;
  completedAt: string | null;
}

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

export type PlanMeter = 'members' | 'channels' | 'conversations' | 'llmSpendUsd' | 'campaignRecipients';
export type PlanPauseReason = 'suspended' | 'trial_ended' | 'conversations_limit' | 'automations_halted';

/** GET /workspace/plan: the plan the instance operator set, its meters and whether the bot is paused. */
export interface WorkspacePlan {
  state: 'trial' | 'active' | 'suspended';
  trialEndsAt: string | null;
  suspendedReason: string | null;
  periodStart: string;
  meters: { meter: PlanMeter; used: number; limit: number | null; period: 'month' | 'current' }[];
  automation: { allowed: boolean; llm: boolean; reasons: PlanPauseReason[]; llmSpendReached: boolean };
}

export type RetentionKind =
  | 'messages'
  | 'media'
  | 'webhookEvents'
  | 'callRecords'
  | 'llmCalls'
  | 'closedConversations'
  | 'auditPseudonymise';

export interface RetentionPolicy {
  days: Record<RetentionKind, number | null>;
  keepAcceptedQuotes: boolean;
}

export interface Erasure {
  id: string;
  contactId: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: Record<string, number>;
  verifiedClean: boolean | null;
  failure: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** A job that used up its attempts (Settings › Failed jobs); its error is masked by the server. */
export interface DeadLetter {
  id: string;
  task: string;
  status: 'dead' | 'replayed';
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  failedAt: string;
  replayedAt: string | null;
  requestId: string | null;
}

/** One dead letter with its payload, personal data masked by the server. */
export interface DeadLetterDetail extends DeadLetter {
  payload: unknown;
}

export interface DeadLetterReplay {
  replayed: DeadLetter[];
  alreadyReplayed: string[];
}
