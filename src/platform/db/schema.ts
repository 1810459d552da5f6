import type {
  RecoveryCodesTable,
  SessionsTable,
  UsersTable,
  UserTokensTable,
} from '../../accounts/accounts.table.js';
import type { LlmBudgetWindowsTable, LlmCallsTable, LlmSettingsTable } from '../../agent/llm/llm.table.js';
import type { QualifierSettingsTable } from '../../agent/qualifier-settings.table.js';
import type { ApiKeysTable } from '../../api-keys/api-keys.table.js';
import type { AuditLogTable } from '../../audit/audit-log.table.js';
import type { AutomationRulesTable, AutomationRunsTable } from '../../automations/automations.table.js';
import type { AutomationHaltsTable } from '../../automations/kill-switch.table.js';
import type { BusinessHoursTable } from '../../business-hours/business-hours.table.js';
import type { CampaignRecipientsTable, CampaignsTable } from '../../campaigns/campaigns.table.js';
import type { CannedResponsesTable } from '../../canned-responses/canned-responses.table.js';
import type { SmsInboundTable, SmsStatusEventsTable } from '../../channels/twilio/sms.table.js';
import type { TwilioConnectionsTable, TwilioNumbersTable } from '../../channels/twilio/twilio.table.js';
import type { WhatsappChannelsTable } from '../../channels/whatsapp/channels.table.js';
import type {
  WhatsappInboundTable,
  WhatsappStatusEventsTable,
  WhatsappWebhookEventsTable,
} from '../../channels/whatsapp/webhook.table.js';
import type { ConsentEntriesTable } from '../../contacts/consent/consent.table.js';
import type { ContactsTable } from '../../contacts/contacts.table.js';
import type { CustomFieldDefinitionsTable } from '../../contacts/custom-fields/custom-fields.table.js';
import type {
  ContactEnrichmentsTable,
  EnrichmentSettingsTable,
  EnrichmentUsageTable,
} from '../../contacts/enrichment/enrichment.table.js';
import type {
  ContactImportChangesTable,
  ContactImportMappingsTable,
  ContactImportRejectsTable,
  ContactImportSettingsTable,
  ContactImportsTable,
} from '../../contacts/import/imports.table.js';
import type { ContactEventsTable, PipelineStagesTable } from '../../contacts/pipeline/pipeline.table.js';
import type { ConversationAttachmentsTable } from '../../conversations/attachments/attachments.table.js';
import type {
  ConversationNotesTable,
  ConversationOwnershipEventsTable,
  ConversationReadsTable,
  ConversationsTable,
} from '../../conversations/conversations.table.js';
import type { MessageMediaTable, MessagesTable } from '../../conversations/messages.table.js';
import type { DataKeyReencryptionsTable } from '../../encryption/reencryptions.table.js';
import type { DomainEventsTable } from '../../events/domain-events.table.js';
import type {
  EmailEventSettingsTable,
  EmailEventsTable,
} from '../../integrations/email-events/email-events.table.js';
import type {
  HubspotConnectionsTable,
  HubspotOutboxTable,
  HubspotRecordsTable,
  HubspotWebhookEventsTable,
} from '../../integrations/hubspot/hubspot.table.js';
import type { ConversationLabelsTable, LabelsTable } from '../../labels/labels.table.js';
import type { LeadDeliveriesTable, LeadSourcesTable } from '../../lead-sources/lead-sources.table.js';
import type { MailOutboxTable } from '../../mail/mail-outbox.table.js';
import type {
  InboxSettingsTable,
  MemberPresenceTable,
  NotificationPreferencesTable,
  NotificationsTable,
} from '../../notifications/notifications.table.js';
import type {
  RetentionRunsTable,
  WorkspacePlansTable,
  WorkspaceUsageMonthsTable,
} from '../../plans/plans.table.js';
import type {
  PrivacyErasuresTable,
  PrivacySuppressionsTable,
  RetentionPoliciesTable,
} from '../../privacy/privacy.table.js';
import type {
  CatalogItemsTable,
  QuoteCountersTable,
  QuoteDecisionsTable,
  QuoteDocumentsTable,
  QuoteLinesTable,
  QuoteSettingsTable,
  QuotesTable,
  QuoteVersionsTable,
} from '../../quotes/quotes.table.js';
import type {
  ReportConversationFactsTable,
  ReportMemberFactsTable,
  ReportRollupStateTable,
} from '../../reports/report-facts.table.js';
import type { SegmentsTable } from '../../segments/segments.table.js';
import type { InvitationsTable, MembershipsTable } from '../../tenants/members.table.js';
import type { TenantsTable } from '../../tenants/tenants.table.js';
import type {
  AltchaUsedChallengesTable,
  CallbackCallEventsTable,
  CallbackSettingsTable,
  CallbacksTable,
  CallbackWidgetsTable,
} from '../../widgets/widgets.table.js';
import type { DeadLettersTable } from '../jobs/dead-letters/dead-letters.table.js';
import type { WorkerHeartbeatsTable } from '../jobs/worker-heartbeats.table.js';
import type { RateLimitsTable } from '../rate-limit/rate-limits.table.js';

/** The database as the application sees it (camelCase; CamelCasePlugin maps to snake_case). */
export interface Database {
  tenants: TenantsTable;
  contacts: ContactsTable;
  workerHeartbeats: WorkerHeartbeatsTable;
  users: UsersTable;
  sessions: SessionsTable;
  userTokens: UserTokensTable;
  recoveryCodes: RecoveryCodesTable;
  mailOutbox: MailOutboxTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  apiKeys: ApiKeysTable;
  auditLog: AuditLogTable;
  rateLimits: RateLimitsTable;
  whatsappChannels: WhatsappChannelsTable;
  whatsappWebhookEvents: WhatsappWebhookEventsTable;
  whatsappInbound: WhatsappInboundTable;
  whatsappStatusEvents: WhatsappStatusEventsTable;
  conversations: ConversationsTable;
  conversationOwnershipEvents: ConversationOwnershipEventsTable;
  messages: MessagesTable;
  messageMedia: MessageMediaTable;
  conversationAttachments: ConversationAttachmentsTable;
  qualifierSettings: QualifierSettingsTable;
  domainEvents: DomainEventsTable;
  llmSettings: LlmSettingsTable;
  llmCalls: LlmCallsTable;
  llmBudgetWindows: LlmBudgetWindowsTable;
  labels: LabelsTable;
  conversationLabels: ConversationLabelsTable;
  conversationNotes: ConversationNotesTable;
  conversationReads: ConversationReadsTable;
  cannedResponses: CannedResponsesTable;
  quoteSettings: QuoteSettingsTable;
  catalogItems: CatalogItemsTable;
  quoteCounters: QuoteCountersTable;
  quotes: QuotesTable;
  quoteVersions: QuoteVersionsTable;
  quoteLines: QuoteLinesTable;
  quoteDocuments: QuoteDocumentsTable;
  quoteDecisions: QuoteDecisionsTable;
  twilioConnections: TwilioConnectionsTable;
  hubspotConnections: HubspotConnectionsTable;
  hubspotOutbox: HubspotOutboxTable;
  hubspotRecords: HubspotRecordsTable;
  hubspotWebhookEvents: HubspotWebhookEventsTable;
  twilioNumbers: TwilioNumbersTable;
  smsInbound: SmsInboundTable;
  smsStatusEvents: SmsStatusEventsTable;
  businessHours: BusinessHoursTable;
  callbackSettings: CallbackSettingsTable;
  callbackWidgets: CallbackWidgetsTable;
  callbacks: CallbacksTable;
  callbackCallEvents: CallbackCallEventsTable;
  altchaUsedChallenges: AltchaUsedChallengesTable;
  deadLetters: DeadLettersTable;
  retentionPolicies: RetentionPoliciesTable;
  privacyErasures: PrivacyErasuresTable;
  privacySuppressions: PrivacySuppressionsTable;
  pipelineStages: PipelineStagesTable;
  customFieldDefinitions: CustomFieldDefinitionsTable;
  contactEvents: ContactEventsTable;
  consentEntries: ConsentEntriesTable;
  contactImports: ContactImportsTable;
  contactImportChanges: ContactImportChangesTable;
  contactImportRejects: ContactImportRejectsTable;
  contactImportMappings: ContactImportMappingsTable;
  contactImportSettings: ContactImportSettingsTable;
  workspacePlans: WorkspacePlansTable;
  workspaceUsageMonths: WorkspaceUsageMonthsTable;
  retentionRuns: RetentionRunsTable;
  automationHalts: AutomationHaltsTable;
  automationRules: AutomationRulesTable;
  automationRuns: AutomationRunsTable;
  leadSources: LeadSourcesTable;
  leadDeliveries: LeadDeliveriesTable;
  enrichmentSettings: EnrichmentSettingsTable;
  enrichmentUsage: EnrichmentUsageTable;
  contactEnrichments: ContactEnrichmentsTable;
  reportConversationFacts: ReportConversationFactsTable;
  reportMemberFacts: ReportMemberFactsTable;
  reportRollupState: ReportRollupStateTable;
  emailEventSettings: EmailEventSettingsTable;
  emailEvents: EmailEventsTable;
  notifications: NotificationsTable;
  notificationPreferences: NotificationPreferencesTable;
  memberPresence: MemberPresenceTable;
  inboxSettings: InboxSettingsTable;
  dataKeyReencryptions: DataKeyReencryptionsTable;
  segments: SegmentsTable;
  campaigns: CampaignsTable;
  campaignRecipients: CampaignRecipientsTable;
}
