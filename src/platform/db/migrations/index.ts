import type { Migration } from 'kysely';
import * as tenancy from './20261123_1000_tenancy.js';
import * as accounts from './20261123_1200_accounts.js';
import * as emailChange from './20261123_1300_email_change.js';
import * as whatsapp from './20261123_1400_whatsapp.js';
import * as llmAgent from './20261130_1000_llm_agent.js';
import * as inbox from './20261130_1100_inbox.js';
import * as whatsappIngestFunction from './20261130_1200_whatsapp_ingest_function.js';
import * as pendingOutbound from './20261130_1300_pending_outbound.js';
import * as firstOwnerSetup from './20261206_1000_first_owner_setup.js';
import * as textPolicyCleanup from './20261206_1100_text_policy_cleanup.js';
import * as whatsappInDoubtSends from './20261206_1200_whatsapp_in_doubt_sends.js';
import * as whatsappProvenChannels from './20261206_1200_whatsapp_proven_channels.js';
import * as progressiveProfiles from './20261206_1300_progressive_profiles.js';
import * as callbacks from './20261206_1400_callbacks.js';
import * as quotes from './20261206_1500_quotes.js';
import * as backupVerifications from './20261206_1600_backup_verifications.js';
import * as deadLetters from './20261206_1800_dead_letters.js';
import * as conversationChannelKind from './20261207_1000_conversation_channel_kind.js';
import * as quoteWhatsapp from './20261207_1200_quote_whatsapp.js';
import * as contactsPipelineConsent from './20261207_1400_contacts_pipeline_consent.js';
import * as contactImports from './20261207_1500_contact_imports.js';
import * as privacy from './20261207_1600_privacy.js';
import * as smsChannel from './20261207_1800_sms_channel.js';
import * as smsStatusEvents from './20261208_0010_sms_status_events.js';
import * as hubspot from './20261208_0030_hubspot.js';
import * as importSpeed from './20261208_0040_import_speed.js';
import * as leadSources from './20261208_0050_lead_sources.js';
import * as encryptionAtRest from './20261208_0060_encryption_at_rest.js';
import * as workspacePlans from './20261208_0080_workspace_plans.js';
import * as sealedReceipts from './20261208_0090_sealed_receipts.js';
import * as segments from './20261209_0100_segments.js';
import * as campaigns from './20261209_0200_campaigns.js';
import * as campaignReportIndexes from './20261209_0300_campaign_report_indexes.js';
import * as emailEvents from './20261209_0400_email_events.js';
import * as automationHalts from './20261209_0500_automation_halts.js';
import * as automations from './20261209_0510_automations.js';
import * as dataKeyReencryptions from './20261209_0600_data_key_reencryptions.js';
import * as notifications from './20261209_0700_notifications.js';
import * as userLocale from './20261209_0800_user_locale.js';
import * as reportFacts from './20261209_0900_report_facts.js';
import * as conversationAttachments from './20261210_1100_conversation_attachments.js';

/** All migrations in order. Names are dated; Kysely applies them in name order. */
export const migrations: Record<string, Migration> = {
  '20261123_1000_tenancy': tenancy,
  '20261123_1200_accounts': accounts,
  '20261123_1300_email_change': emailChange,
  '20261123_1400_whatsapp': whatsapp,
  '20261130_1000_llm_agent': llmAgent,
  '20261130_1100_inbox': inbox,
  '20261130_1200_whatsapp_ingest_function': whatsappIngestFunction,
  '20261130_1300_pending_outbound': pendingOutbound,
  '20261206_1000_first_owner_setup': firstOwnerSetup,
  '20261206_1100_text_policy_cleanup': textPolicyCleanup,
  '20261206_1200_whatsapp_in_doubt_sends': whatsappInDoubtSends,
  '20261206_1200_whatsapp_proven_channels': whatsappProvenChannels,
  '20261206_1300_progressive_profiles': progressiveProfiles,
  '20261206_1400_callbacks': callbacks,
  '20261206_1500_quotes': quotes,
  '20261206_1600_backup_verifications': backupVerifications,
  '20261206_1800_dead_letters': deadLetters,
  '20261207_1000_conversation_channel_kind': conversationChannelKind,
  '20261207_1200_quote_whatsapp': quoteWhatsapp,
  '20261207_1400_contacts_pipeline_consent': contactsPipelineConsent,
  '20261207_1500_contact_imports': contactImports,
  '20261207_1600_privacy': privacy,
  '20261207_1800_sms_channel': smsChannel,
  '20261208_0010_sms_status_events': smsStatusEvents,
  '20261208_0030_hubspot': hubspot,
  '20261208_0040_import_speed': importSpeed,
  '20261208_0050_lead_sources': leadSources,
  '20261208_0060_encryption_at_rest': encryptionAtRest,
  '20261208_0080_workspace_plans': workspacePlans,
  '20261208_0090_sealed_receipts': sealedReceipts,
  '20261209_0100_segments': segments,
  '20261209_0200_campaigns': campaigns,
  '20261209_0300_campaign_report_indexes': campaignReportIndexes,
  '20261209_0400_email_events': emailEvents,
  '20261209_0500_automation_halts': automationHalts,
  '20261209_0510_automations': automations,
  '20261209_0600_data_key_reencryptions': dataKeyReencryptions,
  '20261209_0700_notifications': notifications,
  '20261209_0800_user_locale': userLocale,
  '20261209_0900_report_facts': reportFacts,
  '20261210_1100_conversation_attachments': conversationAttachments,
};
