import { createPasswordResetRequestTask } from './accounts/password-reset.service.js';
import type { Agent } from './agent/agent.js';
import { registerCampaignSender } from './campaigns/campaign-sender.js';
import { createCampaignDispatchTask } from './campaigns/dispatch.task.js';
import { installCampaigns } from './campaigns/recipient-outcomes.js';
import { CHANNEL_PLUGINS } from './channels/channels.js';
import type { SmsOutbound } from './channels/twilio/sms-send.task.js';
import type { WhatsappOutbound } from './channels/whatsapp/outbound-runtime.js';
import { createEnrichCompanyTask } from './contacts/enrichment/enrich-company.task.js';
import {
  createImportContactsTask,
  createUndoContactImportTask,
  type ImportTaskDeps,
} from './contacts/import/import-tasks.js';
import { wakeSnoozedTask } from './conversations/snooze.js';
import { createReencryptTask } from './encryption/reencrypt.task.js';
import { createApplyEmailEventsTask } from './integrations/email-events/apply-events.task.js';
import { emailEventHooks } from './integrations/email-events/hooks.js';
import { createHubspotTasks, type HubspotTaskDeps } from './integrations/hubspot/hubspot.tasks.js';
import { createLemlistCampaignSender } from './integrations/lemlist/campaign-sender.js';
import type { LemlistClient } from './integrations/lemlist/lemlist.client.js';
import { createImportPhantombusterTask } from './lead-sources/import-phantombuster.task.js';
import { type LeadSourceTaskDeps, leadSourceTaskParts } from './lead-sources/lead-source-tasks.js';
import { processLeadTaskDefinition } from './lead-sources/process-lead.task.js';
import { createMailTask } from './mail/mail.task.js';
import type { Mailer } from './mail/mailer.js';
import type { Config } from './platform/config/config.js';
import type { SecretBox } from './platform/crypto/secret-box.js';
import type { Db } from './platform/db/database.js';
import type { AnyTask } from './platform/jobs/task.js';
import { answerQuoteButton } from './quotes/acceptance/button-replies.js';
import { createApprovalReminderTask } from './quotes/approval-reminder.task.js';
import { createSignUpTask } from './tenants/signup.service.js';
import {
  type CallbackTaskDeps,
  createEndOtherLegsTask,
  createNotifyClosedTask,
  createPlaceCallTask,
} from './widgets/callbacks.tasks.js';

/** What task handlers need at run time; built once per worker process in server.ts. */
export interface TaskDependencies {
  secretKey: string;
  /** The public base URL, for links in mails sent by jobs. */
  publicUrl: string;
  mailer: Mailer;
  /** Answers WhatsApp conversations the bot owns: the LLM agent, with the built-in qualifier behind it. */
  agent: Agent;
  /** Graph API client, throughput cap and blob store for sends, mark-as-read and media downloads. */
  whatsappOutbound: WhatsappOutbound;
  /** Account requests (sign-up, reset) answered first and worked on in a job: global tables, no tenant. */
  accounts: { db: Db; config: Config };
  /** Call-back jobs: the telephony ports (Twilio, wired in server.ts) and their settings. */
  callbacks: CallbackTaskDeps;
  /** CSV imports of contacts: the worker's pool (COPY needs a raw client) and the blob store. */
  contactImports: ImportTaskDeps;
  /** SMS conversations: Twilio's REST client and the shared per-sender cap. */
  sms: SmsOutbound;
  /** Lead sources and enrichment: Phantombuster's API and result files, the enrichment provider. */
  leadSources?: LeadSourceTaskDeps;
  /** Lemlist outreach (campaign channel `lemlist`): its API client and the box its keys are sealed in. */
  lemlist?: { client: LemlistClient; box: SecretBox };
  /** HubSpot sync (outbox drain, refused records, GDPR deletes); absent: those tasks are not run here. */
  hubspot?: HubspotTaskDeps;
}

/** Every task the worker runs. Domains add their task definitions here. */
export function buildTasks(deps: TaskDependencies): readonly AnyTask[] {
  // Campaign senders and the listeners that follow their messages' statuses and replies.
  installCampaigns();
  if (deps.lemlist) registerCampaignSender(createLemlistCampaignSender(deps.lemlist));
  return [
    createMailTask({ mailer: deps.mailer, secretKey: deps.secretKey }),
    // Each channel's jobs: processing, sends, statuses (WhatsApp's and SMS's).
    ...CHANNEL_PLUGINS.flatMap((channel) =>
      channel.tasks({
        agent: deps.agent,
        whatsappOutbound: deps.whatsappOutbound,
        sms: deps.sms,
        buttonReplies: answerQuoteButton,
      }),
    ),
    createReencryptTask({ blobs: deps.whatsappOutbound.blobs }),
    wakeSnoozedTask,
    ...createAccountTasks(deps.accounts),
    createApprovalReminderTask({ secretKey: deps.secretKey, publicUrl: deps.publicUrl }),
    createPlaceCallTask(deps.callbacks),
    createNotifyClosedTask(deps.callbacks),
    createEndOtherLegsTask(deps.callbacks),
    createImportContactsTask(deps.contactImports),
    createUndoContactImportTask(deps.contactImports),
    ...leadSourceTasks(deps.leadSources),
    ...(deps.hubspot ? createHubspotTasks(deps.hubspot) : []),
    createApplyEmailEventsTask(emailEventHooks),
    createCampaignDispatchTask(),
  ];
}

/** Lead deliveries, Phantombuster imports and enrichment (registered without their network parts in tests that need none). */
function leadSourceTasks(deps: LeadSourceTaskDeps | undefined): readonly AnyTask[] {
  const parts = deps ? leadSourceTaskParts(deps) : undefined;
  return [
    processLeadTaskDefinition,
    ...(parts ? [createImportPhantombusterTask(parts.phantombuster)] : []),
    createEnrichCompanyTask({ hunter: parts?.hunter }),
  ];
}

/** The system tasks of sign-up and password reset (tests run them beside the mail task). */
export function createAccountTasks(deps: { db: Db; config: Config }): readonly AnyTask[] {
  return [createSignUpTask(deps), createPasswordResetRequestTask(deps)];
}
