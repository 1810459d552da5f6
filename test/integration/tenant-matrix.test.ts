import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSession } from '../../src/accounts/sessions.service.js';
import { reserveRequest } from '../../src/agent/llm/budget.repository.js';
import { defaultLlmSettings, saveLlmSettings } from '../../src/agent/llm/llm-settings.repository.js';
import { insertLlmCall } from '../../src/agent/llm/usage.repository.js';
import {
  defaultQualifierSettings,
  saveQualifierSettings,
} from '../../src/agent/qualifier-settings.repository.js';
import { createApiKey } from '../../src/api-keys/api-keys.service.js';
import { recordAudit } from '../../src/audit/audit.repository.js';
import { createRule, setRuleEnabled } from '../../src/automations/automations.service.js';
import { haltAutomations, resumeAutomations } from '../../src/automations/kill-switch.js';
import { saveCalendar } from '../../src/business-hours/business-hours.repository.js';
import { createCampaign } from '../../src/campaigns/campaigns.service.js';
import { createCannedResponse } from '../../src/canned-responses/canned-responses.service.js';
import { addNumber } from '../../src/channels/twilio/connection.service.js';
import { storeInboundSms } from '../../src/channels/twilio/sms.repository.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { storeTenantDeliveries } from '../../src/channels/whatsapp/ingest.repository.js';
import { extractDelivery } from '../../src/channels/whatsapp/webhook-payload.js';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import { upsertContact } from '../../src/contacts/contacts.repository.js';
import { createCustomField } from '../../src/contacts/custom-fields/custom-fields.js';
import { runImport } from '../../src/contacts/import/import-engine.js';
import { createStage, listStages, moveContact } from '../../src/contacts/pipeline/pipeline.js';
import { writeInboxSettings } from '../../src/conversations/auto-assign.js';
import {
  recordInboundActivity,
  upsertConversation,
} from '../../src/conversations/conversations.repository.js';
import {
  addNote,
  markConversationRead,
  setConversationLabels,
} from '../../src/conversations/inbox-actions.service.js';
import { setOwnershipByUser } from '../../src/conversations/ownership.service.js';
import { rotateDataKey } from '../../src/encryption/data-keys.service.js';
import { insertDomainEvent } from '../../src/events/domain-events.repository.js';
import { createLabel } from '../../src/labels/labels.service.js';
import { createLeadSource } from '../../src/lead-sources/lead-sources.service.js';
import { setNotificationPreferences } from '../../src/notifications/notifications.service.js';
import { notify } from '../../src/notifications/notify.js';
import { changePlan, reserveCampaignRecipients } from '../../src/plans/plans.service.js';
import { mediaBlobKey } from '../../src/platform/blobs/blob-store.js';
import { createEncryptedBlobStore } from '../../src/platform/blobs/encrypted-blob-store.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import type { Config } from '../../src/platform/config/config.js';
import { createPool } from '../../src/platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../src/platform/db/tenant-context.js';
import type { CatalogEntry } from '../../src/platform/http/route-access.js';
import { requestErasure } from '../../src/privacy/erasure.service.js';
import { DEFAULT_RETENTION, saveRetentionPolicy } from '../../src/privacy/retention.repository.js';
import { applyRetention } from '../../src/privacy/retention.service.js';
import { suppress, suppressionKeys } from '../../src/privacy/suppression.js';
import { acceptPublicQuote } from '../../src/quotes/acceptance/acceptance.service.js';
import { approveQuote, submitForApproval } from '../../src/quotes/approval.service.js';
import { createCatalogItem } from '../../src/quotes/catalog/catalog.service.js';
import { changeQuoteSettings } from '../../src/quotes/quote-settings.js';
import type { QuoteStatus } from '../../src/quotes/quote-state.js';
import { createQuote } from '../../src/quotes/quotes.service.js';
import { sendQuote } from '../../src/quotes/sending.service.js';
import { markOnline } from '../../src/realtime/presence.js';
import { rollUpWorkspace } from '../../src/reports/rollup.js';
import { createSegment } from '../../src/segments/segments.service.js';
import { inviteMember } from '../../src/tenants/invitations.service.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { change, envelope, messages, serialise, status, wamid } from '../fakes/meta-webhook-client.js';
import { type FakeTwilio, startFakeTwilio } from '../fakes/twilio.js';
import { addDeadLetter } from '../fixtures/dead-letters.js';
import { buildTestApp } from '../support/app.js';
import {
  ALWAYS_OPEN,
  type CallbackSeeding,
  callbackSeedingEnv,
  createCallbackSeeding,
} from '../support/callback-seeding.js';
import { runProcessInbound } from '../support/inbound-pipeline.js';
import { insertMediaMessage } from '../support/inbox-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The two-tenant matrix (ASVS 8.4.1): whatever tenant A's credentials do, nothing of tenant B's is read,
 * changed or deleted. Both halves discover what to test from the running system (the catalog of tables
 * with tenant_id, the route catalog), so a new table or a new route with an id parameter fails here until
 * it is added to the matrix on purpose.
 */

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantA: string;
let tenantB: string;
let ownerA: SignedInMember;
let ownerB: SignedInMember;
let fakeGraph: FakeGraphApi;
let fakeTwilio: FakeTwilio;
let blobDir: string;
const WABA_ID = '102290129340398';

const CONTEXT = { requestId: 'tenant-matrix', ip: '127.0.0.1', userAgent: 'vitest' };
/** Each tenant's seeded WhatsApp channel, for objects that live on a channel. */
const seededChannels = new Map<string, string>();
/** Each tenant's seeded catalog item (quotes are drafted from it). */
const seededCatalogItems = new Map<string, string>();
/** Each tenant's seeded label. */
const seededLabels = new Map<string, string>();
let phoneNumberIds = 0;
/** The call-me-back rows (Twilio connection, caller number, widget, call-backs) of each tenant. */
let callbackSeeding: CallbackSeeding;
const randomDigits = (n: number) => String(Math.floor(Math.random() * 10 ** n)).padStart(n, '0');

async function newChannel(tenantId: string, owner: SignedInMember, name: string) {
  phoneNumberIds++;
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name,
      phoneNumberId: `3000000000${phoneNumberIds}`,
      displayPhoneNumber: '+1 555 000 0000',
      wabaId: WABA_ID,
      accessToken: 'EAAG-matrix-token',
      appSecret: 'matrix-app-secret',
    },
  );
  return channel;
}

/**
 * The WhatsApp pipeline's rows for a tenant, made by the real code: a verified delivery (raw event,
 * receipt, status), its processing (contact, conversation, messages, media, the bot's reply), an
 * operator's takeover (ownership event), qualifier and LLM settings, an LLM call with its budget windows
 * and a domain event.
 */
async function seedWhatsapp(tenantId: string, owner: SignedInMember, label: string, from: string) {
  const channel = await newChannel(tenantId, owner, `Line ${label}`);
  seededChannels.set(tenantId, channel.id);
  const payload = envelope([
    {
      changes: [
        change(channel.phoneNumberId, {
          contacts: [{ profile: { name: label }, wa_id: from }],
          messages: [
            messages.media({ from, kind: 'image', mediaId: `media-${label}`, mimeType: 'image/jpeg' }),
          ],
          statuses: [status({ id: wamid(), status: 'sent', recipient_id: from })],
        }),
      ],
    },
  ]);
  await storeTenantDeliveries(database.db, tenantId, [
    {
      channelId: channel.id,
      requestId: 'tenant-matrix',
      body: serialise(payload),
      extracted: extractDelivery(payload, channel.phoneNumberId),
    },
  ]);
  await runProcessInbound(database.db, tenantId, channel.id, from);
  const conversation = await database.ownerDb
    .selectFrom('conversations')
    .select(['id', 'contactId'])
    .where('channelId', '=', channel.id)
    .executeTakeFirstOrThrow();
  await setOwnershipByUser(database.db, tenantId, {
    conversationId: conversation.id,
    userId: owner.userId,
    target: { to: 'human' },
  });
  const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
  const tag = await createLabel(database.db, tenantId, actor, {
    name: `Label ${label}`,
    color: '#336699',
  });
  seededLabels.set(tenantId, tag.id);
  await setConversationLabels(database.db, tenantId, actor, conversation.id, [tag.id]);
  await addNote(database.db, tenantId, actor, conversation.id, `Note ${label}`);
  await withTenant(database.db, tenantId, (trx) =>
    trx
      .insertInto('conversationAttachments')
      .values({
        conversationId: conversation.id,
        kind: 'document',
        mimeType: 'application/pdf',
        fileName: `${label}.pdf`,
        sizeBytes: '10',
        sha256: '0'.repeat(64),
        blobKey: `${tenantId}/${'0'.repeat(64)}`,
        uploadedByUserId: owner.userId,
      })
      .execute(),
  );
  await markConversationRead(database.db, tenantId, owner.userId, conversation.id);
  await createCannedResponse(database.db, tenantId, actor, {
    shortcut: 'hello',
    text: `Hello from ${label}`,
  });
  await seedQuotes(tenantId, actor, conversation.id);
  await withTenant(database.db, tenantId, async (trx) => {
    await saveQualifierSettings(trx, defaultQualifierSettings());
    const llm = await saveLlmSettings(trx, defaultLlmSettings());
    await reserveRequest(trx, llm.limits, new Date());
    await insertLlmCall(trx, {
      conversationId: conversation.id,
      providerKind: 'openai',
      model: 'gpt-4o-mini',
      inputTokens: 10,
      outputTokens: 5,
      costMicros: 4,
      latencyMs: 100,
      outcome: 'ok',
      fallback: false,
    });
    await insertDomainEvent(trx, {
      type: 'profile.completed',
      subjectId: conversation.contactId,
      payload: {},
    });
  });
}

/** Settings, a catalog item and a quote taken all the way to acceptance: a row in every quotes table. */
async function seedQuotes(
  tenantId: string,
  actor: { userId: string; apiKeyId: null; context: typeof CONTEXT },
  conversationId: string,
) {
  await changeQuoteSettings(database.db, tenantId, actor, { currency: 'EUR' });
  const item = await createCatalogItem(database.db, tenantId, actor, {
    sku: 'SEED',
    name: 'Seed',
    unitPriceMinor: 1000,
  });
  seededCatalogItems.set(tenantId, item.id);
  const { quote } = await createQuote(database.db, tenantId, actor, {
    conversationId,
    lines: [{ catalogItemId: item.id, quantity: '1' }],
  });
  await submitForApproval(database.db, tenantId, actor, quote.id, 1);
  await approveQuote(database.db, tenantId, actor, quote.id, 1);
  const options = { secretKey: config.secretKey, publicUrl: config.http.publicUrl };
  const { link } = await sendQuote(database.db, tenantId, actor, options, quote.id, 1);
  await acceptPublicQuote(
    database.db,
    { secretKeys: [config.secretKey], publicUrl: config.http.publicUrl },
    link.split('/q/')[1] as string,
    { name: 'Seed customer' },
    CONTEXT,
  );
}

/** A quote of the tenant whose first version is in `status` (draft, pending approval or approved). */
async function quoteIn(tenantId: string, owner: SignedInMember, status: QuoteStatus): Promise<TenantObject> {
  const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
  const catalogItemId = seededCatalogItems.get(tenantId) as string;
  const { quote } = await createQuote(database.db, tenantId, actor, {
    lines: [{ catalogItemId, quantity: '2' }],
  });
  if (status !== 'draft') await submitForApproval(database.db, tenantId, actor, quote.id, 1);
  if (status === 'approved') await approveQuote(database.db, tenantId, actor, quote.id, 1);
  return {
    params: { id: quote.id },
    intact: async () => {
      const version = await database.ownerDb
        .selectFrom('quoteVersions')
        .select(['id', 'status'])
        .where('quoteId', '=', quote.id)
        .where('version', '=', 1)
        .executeTakeFirstOrThrow();
      const line = await database.ownerDb
        .selectFrom('quoteLines')
        .select('quantityMilli')
        .where('quoteVersionId', '=', version.id)
        .executeTakeFirstOrThrow();
      return version.status === status && line.quantityMilli === '2000';
    },
  };
}

/** One row of every tenant-owned table for a tenant (beside the memberships signedInMember creates). */
async function seedTenant(tenantId: string, owner: SignedInMember, label: string) {
  await withTenant(database.db, tenantId, async (trx) => {
    const contact = await upsertContact(trx, {
      phoneE164: label === 'A' ? '+393331234567' : '+5511987654321',
      displayName: label,
    });
    // Pipeline stages, a custom field, a pipeline move and a consent entry (contacts, ADR 0029).
    const [, qualified] = await listStages(trx);
    if (qualified) await moveContact(trx, contact.id, qualified.id, owner.userId);
    await createCustomField(trx, { key: 'industry', label: 'Industry', type: 'text', options: [] });
    await recordConsent(trx, {
      contactId: contact.id,
      channel: 'whatsapp',
      state: 'opted_in',
      source: 'widget',
    });
  });
  const actor = { tenantId, userId: owner.userId, role: owner.role, context: CONTEXT };
  await inviteMember(database.db, config, actor, {
    email: `invitee-${label.toLowerCase()}@example.com`,
    role: 'agent',
  });
  await createApiKey(
    database.db,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: `key ${label}`,
      scopes: ['admin'],
      expiresAt: null,
    },
  );
  await recordAudit(database.db, { action: 'matrix.seed', tenantId, context: CONTEXT });
  await seedWhatsapp(tenantId, owner, label, label === 'A' ? '393331234567' : '5511987654321');
  await addDeadLetter(database, tenantId, { marker: `seed ${label}` });
  await callbackSeeding.seedCallbacks(tenantId, owner, label);
  await seedContactImport(tenantId, owner);
  await seedSms(tenantId, label);
  await seedPrivacy(tenantId, owner, label);
  await seedPlan(tenantId);
  await seedNotifications(tenantId, owner);
  await seedCampaign(tenantId, owner);
  await seedLeadSources(tenantId, owner, label);
  // Last: the reports' facts of everything above, and a member's part in a conversation.
  await rollUpWorkspace((work) => withTenant(database.db, tenantId, work));
  await withTenant(database.db, tenantId, async (trx) => {
    const conversation = await trx
      .selectFrom('conversations')
      .select('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('reportMemberFacts')
      .values({
        conversationId: conversation.id,
        userId: owner.userId,
        firstMessageAt: new Date(),
        messages: 1,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  });
  await seedHubspot(tenantId, label);
  // A data-key rotation through the API's service: a new key version and the re-encryption's progress row.
  await rotateDataKey(database.db, tenantId, `matrix-${label}`, {
    userId: owner.userId,
    apiKeyId: null,
    context: CONTEXT,
  });
  await createSegment(
    database.db,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    { name: `Matrix segment ${label}`, filter: { sources: ['whatsapp'] } },
  );
  await seedAutomations(tenantId, owner);
  await seedEmailEvents(tenantId, label);
}

/** E-mail event settings (sealed URL credentials) and one applied and one waiting event. */
async function seedEmailEvents(tenantId: string, label: string) {
  await withTenant(database.db, tenantId, async (trx) => {
    const contact = await trx.selectFrom('contacts').select('id').limit(1).executeTakeFirstOrThrow();
    await trx
      .insertInto('emailEventSettings')
      .values({
        postmarkUser: `leadline-matrix-${label.toLowerCase()}`,
        postmarkSecretSealed: 'sealed-secret',
        lemlistSecretSealed: 'sealed-secret',
      })
      .execute();
    await trx
      .insertInto('emailEvents')
      .values([
        {
          provider: 'postmark',
          eventKey: `m-${label}:Open`,
          eventType: 'Open',
          email: `matrix-${label}@example.com`,
          providerCampaignId: null,
          occurredAt: new Date(),
          detail: '{}',
          contactId: contact.id,
          campaignId: null,
          appliedAt: new Date(),
        },
        {
          provider: 'lemlist',
          eventKey: `act_${label}`,
          eventType: 'emailsOpened',
          email: `early-${label}@example.com`,
          providerCampaignId: 'cam_matrix',
          occurredAt: new Date(),
          detail: '{}',
          contactId: null,
          campaignId: null,
          appliedAt: null,
        },
      ])
      .execute();
  });
}

/** An automation rule with a run, and the kill switch pulled (then the gate says so). */
async function seedAutomations(tenantId: string, owner: SignedInMember) {
  const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
  const rule = await createRule(database.db, tenantId, actor, {
    name: 'Seeded rule',
    trigger: { type: 'silence', lastMessage: 'outbound', hours: 24 },
    segmentId: null,
    actions: [{ type: 'send_sms', text: 'Seeded follow-up' }],
    dailyCap: 100,
  });
  await withTenant(database.db, tenantId, async (trx) => {
    const contact = await trx.selectFrom('contacts').select('id').limit(1).executeTakeFirstOrThrow();
    await trx
      .insertInto('automationRuns')
      .values({ ruleId: rule.id, contactId: contact.id, windowKey: 'seed' })
      .execute();
    await haltAutomations(trx, tenantId, actor, 'matrix');
  });
}

/** A HubSpot connection with a pending outbox row, a synced record and a stored webhook delivery. */
async function seedHubspot(tenantId: string, label: string) {
  await withTenant(database.db, tenantId, async (trx) => {
    const contact = await upsertContact(trx, {
      phoneE164: label === 'A' ? '+393338880002' : '+5511988880002',
    });
    await trx
      .insertInto('hubspotConnections')
      .values({
        tokenSealed: 'sealed-token',
        portalId: label === 'A' ? '1001' : '1002',
        mapping: JSON.stringify({}),
        verifiedAt: new Date(),
      })
      .execute();
    await trx
      .insertInto('hubspotOutbox')
      .values({ kind: 'contact', refId: contact.id })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx
      .insertInto('hubspotRecords')
      .values({ kind: 'contact', refId: contact.id, hubspotId: label === 'A' ? '501' : '502' })
      .execute();
    await trx
      .insertInto('hubspotWebhookEvents')
      .values({ body: JSON.stringify([{ objectId: 501 }]) })
      .execute();
  });
}

/** A notification, a member's preferences and presence, and the inbox settings (issue 18). */
async function seedNotifications(tenantId: string, owner: SignedInMember) {
  await withTenant(database.db, tenantId, async (trx) => {
    await notify(trx, {
      kind: 'automation',
      userIds: [owner.userId],
      subject: { type: 'contact', id: randomUUID() },
      title: 'Matrix notification',
      dedupeKey: `matrix:${randomUUID()}`,
    });
    await writeInboxSettings(trx, { autoAssign: true });
  });
  await setNotificationPreferences(database.db, tenantId, owner.userId, [
    { kind: 'mention', inApp: true, browser: false },
  ]);
  await markOnline(database.db, tenantId, owner.userId);
}

/** A draft campaign on the tenant's WhatsApp channel, with a recipient row (as a launch freezes them). */
async function matrixCampaign(
  tenantId: string,
  owner: SignedInMember,
  status: 'draft' | 'running' | 'paused' = 'draft',
) {
  const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
  // A segment of everyone (C1's table, written as its service would).
  const segmentId = await withTenant(database.db, tenantId, async (trx) => {
    const { rows } = await sql<{ id: string }>`
      insert into segments (name, filter) values (${`Matrix segment ${randomDigits(8)}`}, '{}'::jsonb)
      returning id`.execute(trx);
    return rows[0]?.id as string;
  });
  const campaign = await createCampaign(database.db, tenantId, actor, {
    name: `Matrix campaign ${randomDigits(6)}`,
    channelKind: 'whatsapp',
    channelId: seededChannels.get(tenantId) ?? null,
    segmentId,
    replyHandling: 'bot',
    content: { variants: [{ key: 'A', template: { name: 'hello', language: 'en_US', variables: [] } }] },
    quietHours: null,
  });
  if (status === 'draft') return campaign;
  // A live campaign with no recipients left to send (its dispatcher finds nothing to do).
  return database.ownerDb
    .updateTable('campaigns')
    .set({ status, launchedAt: new Date() })
    .where('id', '=', campaign.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

function campaignKind(status: 'draft' | 'running' | 'paused') {
  return async (tenantId: string, owner: SignedInMember): Promise<TenantObject> => {
    const campaign = await matrixCampaign(tenantId, owner, status);
    return {
      params: { id: campaign.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('campaigns')
          .select(['status', 'name', 'updatedAt'])
          .where('id', '=', campaign.id)
          .executeTakeFirst();
        return (
          row?.status === status &&
          row.name === campaign.name &&
          row.updatedAt.getTime() === campaign.updatedAt.getTime()
        );
      },
    };
  };
}

async function seedCampaign(tenantId: string, owner: SignedInMember) {
  const campaign = await matrixCampaign(tenantId, owner);
  await withTenant(database.db, tenantId, async (trx) => {
    const contact = await trx.selectFrom('contacts').select('id').limit(1).executeTakeFirstOrThrow();
    await trx
      .insertInto('campaignRecipients')
      .values({ campaignId: campaign.id, contactId: contact.id })
      .execute();
  });
}

/** A plan set by the operator, campaign recipients reserved under it, and a retention run recorded. */
async function seedPlan(tenantId: string) {
  await changePlan(database.db, tenantId, { limits: { campaignRecipients: 100 } });
  await withTenant(database.db, tenantId, (trx) => reserveCampaignRecipients(trx, 3));
  await applyRetention((work) => withTenant(database.db, tenantId, work), tenantId, {
    blobs: createFilesystemBlobStore(blobDir),
  });
}

/** A webhook lead source with a delivery, enrichment settings and usage, and a contact's enrichment. */
async function seedLeadSources(tenantId: string, owner: SignedInMember, label: string) {
  const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
  const { source } = await createLeadSource(database.db, config, tenantId, actor, {
    kind: 'webhook',
    name: `Matrix form ${label}`,
  });
  await withTenant(database.db, tenantId, async (trx) => {
    const contact = await upsertContact(trx, {
      phoneE164: label === 'A' ? '+393338880001' : '+5511988880001',
    });
    await trx
      .insertInto('leadDeliveries')
      .values({
        sourceId: source.id,
        idempotencyKey: `matrix-${label}`,
        bodySha256: Buffer.alloc(32),
        payload: JSON.stringify({ phone: contact.phoneE164 }),
        contactId: contact.id,
        importId: null,
        error: null,
      })
      .execute();
    await trx.insertInto('enrichmentSettings').values({ enabled: false, monthlyBudget: 10 }).execute();
    await trx.insertInto('enrichmentUsage').values({ month: '2026-12-01', calls: 1 }).execute();
    await enrichContact(trx, contact.id);
  });
}

function enrichContact(trx: TenantTransaction, contactId: string) {
  return trx
    .insertInto('contactEnrichments')
    .values({
      contactId,
      provider: 'hunter',
      domain: 'matrix.example',
      status: 'found',
      fields: JSON.stringify({ name: 'Matrix' }),
    })
    .execute();
}

const IMPORT_BOUNDARY = 'matrix-import-boundary';

/** An entry's headers and body: JSON, or a multipart upload of one file for upload routes. */
function requestOf(
  entry: { body?: Record<string, unknown>; upload?: { fileName: string; bytes: Buffer } },
  headers: Record<string, string>,
): { headers: Record<string, string>; payload?: Record<string, unknown> | Buffer } {
  if (entry.upload) {
    const head = `--${IMPORT_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${entry.upload.fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    return {
      headers: { ...headers, 'content-type': `multipart/form-data; boundary=${IMPORT_BOUNDARY}` },
      payload: Buffer.concat([
        Buffer.from(head),
        entry.upload.bytes,
        Buffer.from(`\r\n--${IMPORT_BOUNDARY}--\r\n`),
      ]),
    };
  }
  return { headers, ...(entry.body === undefined ? {} : { payload: entry.body }) };
}

/** A CSV uploaded through the API, as an owner would. */
async function uploadImport(owner: SignedInMember, csv: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/contact-imports',
    headers: { ...owner.headers, 'content-type': `multipart/form-data; boundary=${IMPORT_BOUNDARY}` },
    payload: `--${IMPORT_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\n${csv}\r\n--${IMPORT_BOUNDARY}--\r\n`,
  });
  if (response.statusCode !== 201) throw new Error(`upload failed: ${response.body}`);
  return response.json().id;
}

/** An import run by the real engine: a created contact, a rejected row, a saved mapping and settings. */
async function seedContactImport(tenantId: string, owner: SignedInMember) {
  const id = await uploadImport(owner, `Phone,Name\n+3933390${randomDigits(5)},Imported\n12,Bad\n`);
  const started = await app.inject({
    method: 'POST',
    url: `/api/v1/contact-imports/${id}/start`,
    headers: owner.headers,
    payload: {
      mapping: { 0: 'phone', 1: 'fullName' },
      policy: 'skip',
      defaultCountry: 'IT',
      saveMappingAs: 'Matrix',
    },
  });
  if (started.statusCode !== 202) throw new Error(`start failed: ${started.body}`);
  const pool = createPool({ connectionString: database.appUrl, max: 1, applicationName: 'matrix-import' });
  try {
    await runImport(
      {
        pool,
        blobs: createEncryptedBlobStore(createFilesystemBlobStore(blobDir), database.db),
        suppressionKeys: suppressionKeys([config.secretKey]),
      },
      tenantId,
      id,
    );
  } finally {
    await pool.end();
  }
}

async function importStatus(id: string) {
  return database.ownerDb
    .selectFrom('contactImports')
    .select(['status', 'cancelRequested'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** An inbound SMS receipt (sms_inbound), stored as the SMS webhook stores it. */
async function seedSms(tenantId: string, label: string) {
  const number = await addNumber(database.db, tenantId, {
    phoneE164: label === 'A' ? '+390299900001' : '+390299900002',
    sms: true,
    voice: false,
  });
  await withTenant(database.db, tenantId, (trx) =>
    storeInboundSms(trx, {
      numberId: number.id,
      messageSid: `SM${label === 'A' ? 'a' : 'b'}${'0'.repeat(31)}`,
      fromE164: label === 'A' ? '+393331234567' : '+5511987654321',
      body: `seed ${label}`,
      params: { Body: `seed ${label}` },
      idempotencyToken: null,
      requestId: 'matrix-seed',
    }),
  );
  // A status callback for a message not known yet, kept until it can be applied.
  await withTenant(database.db, tenantId, (trx) =>
    trx
      .insertInto('smsStatusEvents')
      .values({
        numberId: number.id,
        messageId: randomUUID(),
        messageSid: `SM${label === 'A' ? 'c' : 'd'}${'0'.repeat(31)}`,
        status: 'delivered',
        requestId: 'matrix-seed',
      })
      .execute(),
  );
}

/** A retention policy, an erasure request and a suppression record, through the privacy services. */
async function seedPrivacy(tenantId: string, owner: SignedInMember, label: string) {
  const phone = label === 'A' ? '+393339990001' : '+5511999990001';
  await withTenant(database.db, tenantId, async (trx) => {
    await saveRetentionPolicy(trx, DEFAULT_RETENTION);
    await upsertContact(trx, { phoneE164: phone, displayName: `To erase ${label}` });
    await suppress(trx, config.secretKey, { phone: label === 'A' ? '+393339990002' : '+5511999990002' });
  });
  return requestErasure(
    database.db,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    { phone },
  );
}

beforeAll(async () => {
  database = await createTestDatabase();
  fakeGraph = await startFakeGraphApi({ accessToken: 'EAAG-matrix-token' });
  fakeGraph.setTemplates(WABA_ID, [
    { name: 'follow_up', language: 'en', status: 'APPROVED', category: 'UTILITY', components: [] },
  ]);
  fakeTwilio = await startFakeTwilio();
  blobDir = await mkdtemp(path.join(tmpdir(), 'leadline-matrix-blobs-'));
  ({ app, config } = await buildTestApp({
    database,
    env: {
      WHATSAPP_GRAPH_API_URL: fakeGraph.url,
      ...callbackSeedingEnv(fakeTwilio),
      OUTBOUND_ALLOW_PRIVATE_HOSTS: `${fakeGraph.hostPort},${fakeTwilio.hostPort}`,
      BLOB_DIR: blobDir,
    },
  }));
  callbackSeeding = createCallbackSeeding({ database, app, config, twilio: fakeTwilio, context: CONTEXT });
  tenantA = await newTenant(database.db, 'Tenant A');
  tenantB = await newTenant(database.db, 'Tenant B');
  ownerA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  ownerB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });
  await seedTenant(tenantA, ownerA, 'A');
  await seedTenant(tenantB, ownerB, 'B');
});

afterAll(async () => {
  await app?.close();
  await fakeGraph?.close();
  await callbackSeeding?.close();
  await fakeTwilio?.close();
  await database?.drop();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------
// Tables

interface TenantTable {
  table: string;
  /** The column holding the tenant: `id` for tenants itself, `tenant_id` elsewhere. */
  key: string;
  /** Columns an INSERT may name (identity "always" and generated columns excluded). */
  columns: string[];
}

async function tenantTables(): Promise<TenantTable[]> {
  const { rows } = await sql<{ table: string; columns: string[] }>`
    select c.relname as table,
           array_agg(a.attname::text order by a.attnum) filter (where a.attidentity <> 'a' and a.attgenerated = '') as columns
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where n.nspname = 'public' and c.relkind in ('r', 'p')
      and (c.relname = 'tenants' or exists (
        select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id' and not t.attisdropped))
    group by c.relname
    order by c.relname`.execute(database.ownerDb);
  return rows.map((row) => ({ ...row, key: row.table === 'tenants' ? 'id' : 'tenant_id' }));
}

async function countRows(owner: TestDatabase, table: TenantTable, tenantId: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from ${sql.table(table.table)} where ${sql.ref(table.key)} = ${tenantId}::uuid`.execute(
    owner.ownerDb,
  );
  return Number(rows[0]?.n);
}

const REFUSED = /row-level security|permission denied/;

class RolledBack extends Error {
  constructor(readonly rows: number) {
    super('rolled back');
  }
}

/**
 * Every way tenant A's context could read or write tenant B's rows, per table; returns what got through.
 * Each statement runs in its own transaction (a refused one aborts it).
 */
async function tableMatrixViolations(target: TestDatabase): Promise<string[]> {
  const violations: string[] = [];
  // Always rolled back: with a broken policy a statement may succeed, and must not change the data the
  // next checks (or tests) rely on.
  const asTenantA = async (statement: ReturnType<typeof sql>): Promise<number | Error> => {
    try {
      await withTenant(target.db, tenantA, async (trx) => {
        const result = await statement.execute(trx);
        throw new RolledBack(Number(result.numAffectedRows ?? BigInt(result.rows.length)));
      });
      throw new Error('unreachable');
    } catch (error) {
      return error instanceof RolledBack ? error.rows : (error as Error);
    }
  };
  const nothingOrRefused = (outcome: number | Error, label: string) => {
    const ok = outcome instanceof Error ? REFUSED.test(outcome.message) : outcome === 0;
    if (!ok) violations.push(`${label}: ${outcome instanceof Error ? outcome.message : `${outcome} rows`}`);
  };
  const refused = (outcome: number | Error, label: string) => {
    if (!(outcome instanceof Error && REFUSED.test(outcome.message))) {
      violations.push(`${label}: ${outcome instanceof Error ? outcome.message : `${outcome} rows`}`);
    }
  };

  for (const table of await tenantTables()) {
    const t = sql.table(table.table);
    const key = sql.ref(table.key);
    const before = { a: await countRows(target, table, tenantA), b: await countRows(target, table, tenantB) };

    const { rows: visible } = await withTenant(target.db, tenantA, (trx) =>
      sql<{ tenant: string }>`select ${key}::text as tenant from ${t}`.execute(trx),
    );
    if (visible.length === 0) violations.push(`${table.table}: A does not even see its own rows`);
    if (visible.some((row) => row.tenant !== tenantA))
      violations.push(`${table.table}: select shows other tenants`);
    nothingOrRefused(
      await asTenantA(sql`select 1 from ${t} where ${key} = ${tenantB}::uuid`),
      `${table.table}: select B`,
    );
    nothingOrRefused(
      await asTenantA(sql`update ${t} set ${key} = ${key} where ${key} = ${tenantB}::uuid`),
      `${table.table}: update B`,
    );
    nothingOrRefused(
      await asTenantA(sql`delete from ${t} where ${key} = ${tenantB}::uuid`),
      `${table.table}: delete B`,
    );
    refused(
      await asTenantA(sql`update ${t} set ${key} = ${tenantB}::uuid where ${key} = ${tenantA}::uuid`),
      `${table.table}: move A's rows into B`,
    );

    // A copy of one of B's rows, written as A: the policy's WITH CHECK runs before unique constraints.
    // The row travels as text: a JSON value would have its keys camel-cased by the Kysely plugin.
    const { rows: sample } = await sql<{ row: string }>`
      select to_jsonb(x)::text as row from ${t} x where ${key} = ${tenantB}::uuid limit 1`.execute(
      target.ownerDb,
    );
    const columns = sql.join(table.columns.map((column) => sql.ref(column)));
    refused(
      await asTenantA(sql`
        insert into ${t} (${columns})
        select ${columns} from jsonb_populate_record(null::${t}, ${sample[0]?.row}::jsonb)`),
      `${table.table}: insert into B`,
    );

    const after = { a: await countRows(target, table, tenantA), b: await countRows(target, table, tenantB) };
    if (after.a !== before.a || after.b !== before.b) violations.push(`${table.table}: row counts changed`);
  }
  return violations;
}

/** Each sweep requests every parameterised route (hundreds); a loaded machine needs more than the default. */
const SWEEP_TIMEOUT_MS = 180_000;

describe('V8.4.1 every tenant-owned table refuses tenant A access to tenant B rows', () => {
  it('finds the tenant-owned tables, each seeded with rows of both tenants', async () => {
    const tables = await tenantTables();
    expect(tables.map((t) => t.table)).toEqual(
      expect.arrayContaining(['api_keys', 'audit_log', 'contacts', 'invitations', 'memberships', 'tenants']),
    );
    for (const table of tables) {
      // A new tenant-owned table fails here until seedTenant() writes a row of it for each tenant.
      expect(
        await countRows(database, table, tenantA),
        `${table.table}: seed a row for tenant A`,
      ).toBeGreaterThan(0);
      expect(
        await countRows(database, table, tenantB),
        `${table.table}: seed a row for tenant B`,
      ).toBeGreaterThan(0);
    }
  });

  it('SELECT, UPDATE, DELETE and INSERT as A reach no row of B, and moving A rows into B is refused', async () => {
    expect(await tableMatrixViolations(database)).toEqual([]);
  });

  it('turns red when a policy is broken (a permissive invitations policy is reported)', async () => {
    await sql`alter policy tenant_isolation on invitations using (true) with check (true)`.execute(
      database.ownerDb,
    );
    try {
      const violations = await tableMatrixViolations(database);
      expect(violations.filter((v) => v.startsWith('invitations:')).length).toBeGreaterThan(0);
      expect(violations.filter((v) => !v.startsWith('invitations:'))).toEqual([]);
    } finally {
      await sql`
        alter policy tenant_isolation on invitations
          using (tenant_id = app_current_tenant()) with check (tenant_id = app_current_tenant())`.execute(
        database.ownerDb,
      );
    }
    expect(await tableMatrixViolations(database)).toEqual([]);
  });

  it('with no tenant set, no tenant-owned row is visible', async () => {
    for (const table of await tenantTables()) {
      const { rows } = await sql`select 1 from ${sql.table(table.table)}`.execute(database.db);
      expect(rows, table.table).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Routes

interface TenantObject {
  params: Record<string, string>;
  /** True while the object is as it was created (nothing changed or deleted it). */
  intact(): Promise<boolean>;
}

type Kind =
  | 'member'
  | 'invitation'
  | 'apiKey'
  | 'session'
  | 'conversation'
  | 'channel'
  | 'disabledChannel'
  | 'label'
  | 'cannedResponse'
  | 'catalogItem'
  | 'draftQuote'
  | 'pendingQuote'
  | 'approvedQuote'
  | 'contact'
  | 'media'
  | 'deadLetter'
  | 'erasure'
  | 'twilioNumber'
  | 'widget'
  | 'widgetWithHours'
  | 'callback'
  | 'stage'
  | 'customField'
  | 'uploadedImport'
  | 'finishedImport'
  | 'leadSource'
  | 'disabledLeadSource'
  | 'enrichedContact'
  | 'automationRule'
  | 'enabledAutomationRule'
  | 'notification'
  | 'campaign'
  | 'runningCampaign'
  | 'pausedCampaign'
  | 'segment';

/** A webhook lead source, enabled or disabled; intact while its secret and state are as created. */
async function matrixLeadSource(
  tenantId: string,
  owner: SignedInMember,
  disabled: boolean,
): Promise<TenantObject> {
  const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
  const { source } = await createLeadSource(database.db, config, tenantId, actor, {
    kind: 'webhook',
    name: `Matrix source ${randomDigits(8)}`,
  });
  if (disabled) {
    await database.ownerDb
      .updateTable('leadSources')
      .set({ disabledAt: new Date() })
      .where('id', '=', source.id)
      .execute();
  }
  const before = await database.ownerDb
    .selectFrom('leadSources')
    .select('secretSealed')
    .where('id', '=', source.id)
    .executeTakeFirstOrThrow();
  return {
    params: { id: source.id },
    intact: async () => {
      const row = await database.ownerDb
        .selectFrom('leadSources')
        .select(['secretSealed', 'disabledAt'])
        .where('id', '=', source.id)
        .executeTakeFirstOrThrow();
      return row.secretSealed === before.secretSealed && (row.disabledAt !== null) === disabled;
    },
  };
}

/** An automation rule, enabled or not; intact while its name and state are as created. */
async function matrixRule(tenantId: string, owner: SignedInMember, enabled: boolean): Promise<TenantObject> {
  const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
  const rule = await createRule(database.db, tenantId, actor, {
    name: 'Matrix rule',
    trigger: { type: 'silence', lastMessage: 'outbound', hours: 24 },
    segmentId: null,
    actions: [{ type: 'send_sms', text: 'Matrix follow-up' }],
    dailyCap: 100,
  });
  if (enabled) await setRuleEnabled(database.db, tenantId, actor, rule.id, true);
  return {
    params: { id: rule.id },
    intact: async () => {
      const row = await database.ownerDb
        .selectFrom('automationRules')
        .select(['name', 'enabled'])
        .where('id', '=', rule.id)
        .executeTakeFirst();
      return row?.name === 'Matrix rule' && row.enabled === enabled;
    },
  };
}

/** Creates one object of a kind in a tenant, as its owner would. */
const KINDS: Record<Kind, (tenantId: string, owner: SignedInMember) => Promise<TenantObject>> = {
  notification: async (tenantId, owner) => {
    const dedupeKey = `matrix-route:${randomUUID()}`;
    await withTenant(database.db, tenantId, (trx) =>
      notify(trx, {
        kind: 'mention',
        userIds: [owner.userId],
        subject: { type: 'contact', id: randomUUID() },
        title: 'Matrix route notification',
        dedupeKey,
      }),
    );
    const row = await database.ownerDb
      .selectFrom('notifications')
      .select('id')
      .where('dedupeKey', '=', dedupeKey)
      .executeTakeFirstOrThrow();
    return {
      params: { id: row.id },
      intact: async () => {
        const now = await database.ownerDb
          .selectFrom('notifications')
          .select('readAt')
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow();
        return now.readAt === null;
      },
    };
  },
  campaign: campaignKind('draft'),
  runningCampaign: campaignKind('running'),
  pausedCampaign: campaignKind('paused'),
  leadSource: async (tenantId, owner) => matrixLeadSource(tenantId, owner, false),
  automationRule: async (tenantId, owner) => matrixRule(tenantId, owner, false),
  enabledAutomationRule: async (tenantId, owner) => matrixRule(tenantId, owner, true),
  disabledLeadSource: async (tenantId, owner) => matrixLeadSource(tenantId, owner, true),
  enrichedContact: async (tenantId) => {
    const contact = await withTenant(database.db, tenantId, async (trx) => {
      const created = await upsertContact(trx, { phoneE164: `+3933387${randomDigits(5)}` });
      await enrichContact(trx, created.id);
      return created;
    });
    return {
      params: { id: contact.id },
      intact: async () =>
        (await database.ownerDb
          .selectFrom('contactEnrichments')
          .select('domain')
          .where('contactId', '=', contact.id)
          .executeTakeFirst()) !== undefined,
    };
  },
  uploadedImport: async (_tenantId, owner) => {
    const id = await uploadImport(owner, 'Phone,Name\n+393331110000,Anna\n');
    return {
      params: { id },
      intact: async () => {
        const row = await importStatus(id);
        return row?.status === 'uploaded' && !row.cancelRequested;
      },
    };
  },
  finishedImport: async (_tenantId, owner) => {
    const id = await uploadImport(owner, 'Phone,Name\n+393331110000,Anna\n');
    await database.ownerDb
      .updateTable('contactImports')
      .set({ status: 'completed' })
      .where('id', '=', id)
      .execute();
    return {
      params: { id },
      intact: async () => (await importStatus(id))?.status === 'completed',
    };
  },
  twilioNumber: async (tenantId) => {
    const number = await addNumber(database.db, tenantId, {
      phoneE164: `+3902${randomDigits(8)}`,
      sms: true,
      voice: true,
    });
    return {
      params: { id: number.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('twilioNumbers')
          .select('id')
          .where('id', '=', number.id)
          .executeTakeFirst();
        return row !== undefined;
      },
    };
  },
  // A widget following the workspace's hours (no override of its own).
  widget: async (tenantId, owner) => {
    const widget = await callbackSeeding.newWidget(tenantId, owner, 'Matrix widget');
    return {
      params: { id: widget.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('callbackWidgets')
          .select('name')
          .where('id', '=', widget.id)
          .executeTakeFirstOrThrow();
        const override = await database.ownerDb
          .selectFrom('businessHours')
          .select('id')
          .where('widgetId', '=', widget.id)
          .executeTakeFirst();
        return row.name === 'Matrix widget' && override === undefined;
      },
    };
  },
  // A widget with its own business hours.
  widgetWithHours: async (tenantId, owner) => {
    const widget = await callbackSeeding.newWidget(tenantId, owner, 'Matrix widget with hours');
    await withTenant(database.db, tenantId, (trx) => saveCalendar(trx, widget.id, ALWAYS_OPEN));
    return {
      params: { id: widget.id },
      intact: async () => {
        const override = await database.ownerDb
          .selectFrom('businessHours')
          .select('id')
          .where('widgetId', '=', widget.id)
          .executeTakeFirst();
        return override !== undefined;
      },
    };
  },
  // A call-back asked for in business hours, not yet placed (status requested, nothing scheduled).
  callback: async (tenantId) => {
    const id = await callbackSeeding.newCallback(tenantId);
    return {
      params: { id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('callbacks')
          .select(['status', 'scheduledFor'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        return row.status === 'requested' && row.scheduledFor === null;
      },
    };
  },
  erasure: async (tenantId, owner) => {
    const phone = `+3933392${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
    await withTenant(database.db, tenantId, (trx) => upsertContact(trx, { phoneE164: phone }));
    const erasure = await requestErasure(
      database.db,
      tenantId,
      { userId: owner.userId, apiKeyId: null, context: CONTEXT },
      { phone },
    );
    return {
      params: { id: erasure.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('privacyErasures')
          .select('status')
          .where('id', '=', erasure.id)
          .executeTakeFirstOrThrow();
        return row.status === 'queued';
      },
    };
  },
  deadLetter: async (tenantId) => {
    const id = await addDeadLetter(database, tenantId, { marker: 'matrix' });
    return {
      params: { id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('deadLetters')
          .select('status')
          .where('id', '=', id)
          .executeTakeFirst();
        return row?.status === 'dead';
      },
    };
  },
  member: async (tenantId) => {
    const member = await signedInMember(database.db, config, { tenantId, role: 'agent' });
    return {
      params: { userId: member.userId },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('memberships')
          .select('role')
          .where('tenantId', '=', tenantId)
          .where('userId', '=', member.userId)
          .executeTakeFirst();
        return row?.role === 'agent';
      },
    };
  },
  invitation: async (tenantId, owner) => {
    const invitation = await inviteMember(
      database.db,
      config,
      { tenantId, userId: owner.userId, role: 'owner', context: CONTEXT },
      { email: `matrix-${Math.random().toString(36).slice(2)}@example.com`, role: 'agent' },
    );
    return {
      params: { id: invitation.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('invitations')
          .select(['revokedAt', 'acceptedAt'])
          .where('id', '=', invitation.id)
          .executeTakeFirstOrThrow();
        return row.revokedAt === null && row.acceptedAt === null;
      },
    };
  },
  // Sessions belong to a user, not a tenant: "B's session" is a session of B's owner.
  session: async (_tenantId, owner) => {
    const session = await issueSession(database.db, config, {
      userId: owner.userId,
      activeTenantId: owner.tenantId,
      mfaPending: false,
      context: CONTEXT,
    });
    return {
      params: { id: session.sessionId },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('sessions')
          .select('revokedAt')
          .where('id', '=', session.sessionId)
          .executeTakeFirstOrThrow();
        return row.revokedAt === null;
      },
    };
  },
  // A bot-owned conversation with a recent customer message (so a send is allowed) and no outbound message.
  conversation: async (tenantId) => {
    const channelId = seededChannels.get(tenantId);
    if (!channelId) throw new Error('tenant has no seeded channel');
    const phone = `+3933390${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
    const conversation = await withTenant(database.db, tenantId, async (trx) => {
      const contact = await upsertContact(trx, { phoneE164: phone, displayName: 'Matrix' });
      const created = await upsertConversation(trx, { channelId, contactId: contact.id });
      await recordInboundActivity(trx, created.id, new Date());
      return created;
    });
    return {
      params: { id: conversation.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('conversations')
          .select(['ownership', 'status', 'assigneeUserId', 'snoozedUntil'])
          .where('id', '=', conversation.id)
          .executeTakeFirstOrThrow();
        const outbound = await database.ownerDb
          .selectFrom('messages')
          .select('id')
          .where('conversationId', '=', conversation.id)
          .execute();
        const attachments = await database.ownerDb
          .selectFrom('conversationAttachments')
          .select('id')
          .where('conversationId', '=', conversation.id)
          .execute();
        return (
          attachments.length === 0 &&
          row.ownership === 'bot' &&
          row.status === 'open' &&
          row.assigneeUserId === null &&
          row.snoozedUntil === null &&
          outbound.length === 0 &&
          (await inboxRowsOf(conversation.id)) === 0
        );
      },
    };
  },
  label: async (tenantId, owner) => {
    const label = await createLabel(
      database.db,
      tenantId,
      { userId: owner.userId, apiKeyId: null, context: CONTEXT },
      { name: `Matrix ${Math.random().toString(36).slice(2)}`, color: '#123456' },
    );
    return {
      params: { id: label.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('labels')
          .select('color')
          .where('id', '=', label.id)
          .executeTakeFirst();
        return row?.color === '#123456';
      },
    };
  },
  segment: async (tenantId, owner) => {
    const segment = await createSegment(
      database.db,
      tenantId,
      { userId: owner.userId, apiKeyId: null, context: CONTEXT },
      { name: `Matrix ${Math.random().toString(36).slice(2, 10)}`, filter: { sources: ['import'] } },
    );
    return {
      params: { id: segment.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('segments')
          .select('name')
          .where('id', '=', segment.id)
          .executeTakeFirst();
        return row?.name === segment.name;
      },
    };
  },
  cannedResponse: async (tenantId, owner) => {
    const item = await createCannedResponse(
      database.db,
      tenantId,
      { userId: owner.userId, apiKeyId: null, context: CONTEXT },
      { shortcut: `m-${Math.random().toString(36).slice(2, 10)}`, text: 'Matrix text' },
    );
    return {
      params: { id: item.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('cannedResponses')
          .select('text')
          .where('id', '=', item.id)
          .executeTakeFirst();
        return row?.text === 'Matrix text';
      },
    };
  },
  catalogItem: async (tenantId, owner) => {
    const item = await createCatalogItem(
      database.db,
      tenantId,
      { userId: owner.userId, apiKeyId: null, context: CONTEXT },
      { sku: `M-${Math.random().toString(36).slice(2, 10)}`, name: 'Matrix item', unitPriceMinor: 500 },
    );
    return {
      params: { id: item.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('catalogItems')
          .select('name')
          .where('id', '=', item.id)
          .executeTakeFirst();
        return row?.name === 'Matrix item';
      },
    };
  },
  draftQuote: (tenantId, owner) => quoteIn(tenantId, owner, 'draft'),
  pendingQuote: (tenantId, owner) => quoteIn(tenantId, owner, 'pending_approval'),
  approvedQuote: (tenantId, owner) => quoteIn(tenantId, owner, 'approved'),
  contact: async (tenantId) => {
    const phone = `+3933391${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
    const contact = await withTenant(database.db, tenantId, (trx) =>
      upsertContact(trx, { phoneE164: phone, displayName: 'Matrix contact' }),
    );
    return {
      params: { id: contact.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('contacts')
          .select('firstName')
          .where('id', '=', contact.id)
          .executeTakeFirstOrThrow();
        const consent = await database.ownerDb
          .selectFrom('consentEntries')
          .select('id')
          .where('contactId', '=', contact.id)
          .executeTakeFirst();
        return row.firstName === null && consent === undefined;
      },
    };
  },
  stage: async (tenantId) => {
    const stage = await withTenant(database.db, tenantId, (trx) =>
      createStage(trx, {
        name: `Matrix ${Math.random().toString(36).slice(2)}`,
        outcome: 'open',
        autoEvent: null,
      }),
    );
    return {
      params: { id: stage.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('pipelineStages')
          .select('name')
          .where('id', '=', stage.id)
          .executeTakeFirst();
        return row?.name === stage.name;
      },
    };
  },
  customField: async (tenantId) => {
    const field = await withTenant(database.db, tenantId, (trx) =>
      createCustomField(trx, {
        key: `m_${Math.random().toString(36).slice(2, 10)}`,
        label: 'Matrix field',
        type: 'text',
        options: [],
      }),
    );
    return {
      params: { id: field.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('customFieldDefinitions')
          .select('label')
          .where('id', '=', field.id)
          .executeTakeFirst();
        return row?.label === 'Matrix field';
      },
    };
  },
  // An inbound image whose bytes are in the blob store.
  media: async (tenantId) => {
    const conversationId = (await KINDS.conversation(tenantId, ownerA)).params.id as string;
    const body = Buffer.from(`matrix image of ${tenantId}`);
    const blobKey = mediaBlobKey(tenantId, createHash('sha256').update(body).digest('hex'));
    await createFilesystemBlobStore(blobDir).put(blobKey, body);
    const messageId = await withTenant(database.db, tenantId, async (trx) => {
      const { channelId } = await trx
        .selectFrom('conversations')
        .select('channelId')
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow();
      return insertMediaMessage(
        trx,
        { conversationId, channelId, type: 'image' },
        {
          providerMediaId: `matrix-${conversationId}`,
          mimeType: 'image/png',
          sha256: null,
          fileName: null,
          sizeBytes: String(body.length),
          blobKey,
          state: 'stored',
          failure: null,
        },
      );
    });
    return { params: { id: messageId }, intact: async () => true };
  },
  channel: async (tenantId, owner) => {
    const channel = await newChannel(tenantId, owner, 'Matrix line');
    return {
      params: { id: channel.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('whatsappChannels')
          .select(['name', 'disabledAt'])
          .where('id', '=', channel.id)
          .executeTakeFirstOrThrow();
        return row.name === 'Matrix line' && row.disabledAt === null;
      },
    };
  },
  disabledChannel: async (tenantId, owner) => {
    const channel = await newChannel(tenantId, owner, 'Matrix disabled line');
    await database.ownerDb
      .updateTable('whatsappChannels')
      .set({ disabledAt: new Date() })
      .where('id', '=', channel.id)
      .execute();
    return {
      params: { id: channel.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('whatsappChannels')
          .select('disabledAt')
          .where('id', '=', channel.id)
          .executeTakeFirstOrThrow();
        return row.disabledAt !== null;
      },
    };
  },
  apiKey: async (tenantId, owner) => {
    const issued = await createApiKey(
      database.db,
      tenantId,
      { userId: owner.userId, apiKeyId: null, context: CONTEXT },
      {
        name: 'matrix key',
        scopes: ['contacts:read'],
        expiresAt: null,
      },
    );
    return {
      params: { id: issued.summary.id },
      intact: async () => {
        const row = await database.ownerDb
          .selectFrom('apiKeys')
          .select(['revokedAt', 'replacedBy'])
          .where('id', '=', issued.summary.id)
          .executeTakeFirstOrThrow();
        const replacements = await database.ownerDb
          .selectFrom('apiKeys')
          .select('id')
          .where('tenantId', '=', tenantId)
          .where('name', '=', 'matrix key')
          .execute();
        return row.revokedAt === null && row.replacedBy === null && replacements.length > 0;
      },
    };
  },
};

/**
 * Every route with a path parameter, the kind of object it addresses and a valid body. A route missing
 * here fails the first test below: add it with the kind of object its parameter names.
 */
const OBJECT_ROUTES: Record<
  string,
  {
    kind: Kind;
    body?: Record<string, unknown>;
    readOnly?: true;
    upload?: { fileName: string; bytes: Buffer };
  }
> = {
  'POST /api/v1/conversations/:id/attachments': {
    kind: 'conversation',
    upload: { fileName: 'notes.pdf', bytes: Buffer.from('%PDF-1.4\n%matrix\n') },
  },
  'PATCH /api/v1/members/:userId': { kind: 'member', body: { role: 'admin' } },
  'GET /api/v1/automations/:id': { kind: 'automationRule', readOnly: true },
  'GET /api/v1/automations/:id/runs': { kind: 'automationRule', readOnly: true },
  'PUT /api/v1/automations/:id': {
    kind: 'automationRule',
    body: {
      name: 'Changed',
      trigger: { type: 'silence', lastMessage: 'outbound', hours: 24 },
      actions: [{ type: 'send_sms', text: 'Changed' }],
    },
  },
  'DELETE /api/v1/automations/:id': { kind: 'automationRule' },
  'POST /api/v1/automations/:id/enable': { kind: 'automationRule' },
  'POST /api/v1/automations/:id/disable': { kind: 'enabledAutomationRule' },
  'POST /api/v1/automations/:id/dry-run': { kind: 'automationRule', readOnly: true },
  'DELETE /api/v1/members/:userId': { kind: 'member' },
  'DELETE /api/v1/invitations/:id': { kind: 'invitation' },
  'DELETE /api/v1/api-keys/:id': { kind: 'apiKey' },
  'POST /api/v1/api-keys/:id/rotate': { kind: 'apiKey', body: {} },
  'DELETE /api/v1/auth/sessions/:id': { kind: 'session' },
  'GET /api/v1/conversations/:id': { kind: 'conversation', readOnly: true },
  'GET /api/v1/conversations/:id/messages': { kind: 'conversation', readOnly: true },
  'PUT /api/v1/conversations/:id/ownership': { kind: 'conversation', body: { ownership: 'human' } },
  'POST /api/v1/conversations/:id/messages': { kind: 'conversation', body: { type: 'text', text: 'Hello' } },
  'GET /api/v1/whatsapp/channels/:id': { kind: 'channel', readOnly: true },
  'PATCH /api/v1/whatsapp/channels/:id': { kind: 'channel', body: { name: 'Renamed' } },
  'POST /api/v1/whatsapp/channels/:id/disable': { kind: 'channel' },
  'POST /api/v1/whatsapp/channels/:id/enable': { kind: 'disabledChannel' },
  'GET /api/v1/whatsapp/channels/:id/templates': { kind: 'channel', readOnly: true },
  'POST /api/v1/conversations/:id/read': { kind: 'conversation' },
  'PUT /api/v1/conversations/:id/status': { kind: 'conversation', body: { status: 'closed' } },
  'PUT /api/v1/conversations/:id/snooze': {
    kind: 'conversation',
    get body() {
      return { until: new Date(Date.now() + 3_600_000).toISOString() };
    },
  },
  'GET /api/v1/notifications/:id': { kind: 'notification', readOnly: true },
  'POST /api/v1/notifications/:id/read': { kind: 'notification' },
  // Bodies naming tenant A's own member and label: acting on A's conversation, found on B's.
  'PUT /api/v1/conversations/:id/assignee': {
    kind: 'conversation',
    get body() {
      return { userId: ownerA.userId };
    },
  },
  'PUT /api/v1/conversations/:id/labels': {
    kind: 'conversation',
    get body() {
      return { labelIds: [seededLabels.get(tenantA)] };
    },
  },
  'GET /api/v1/conversations/:id/notes': { kind: 'conversation', readOnly: true },
  'POST /api/v1/conversations/:id/notes': { kind: 'conversation', body: { text: 'Private' } },
  'PATCH /api/v1/labels/:id': { kind: 'label', body: { color: '#654321' } },
  'DELETE /api/v1/labels/:id': { kind: 'label' },
  'PATCH /api/v1/canned-responses/:id': { kind: 'cannedResponse', body: { text: 'Changed' } },
  'DELETE /api/v1/canned-responses/:id': { kind: 'cannedResponse' },
  'GET /api/v1/segments/:id': { kind: 'segment', readOnly: true },
  'PATCH /api/v1/segments/:id': { kind: 'segment', body: { name: 'Renamed segment' } },
  'DELETE /api/v1/segments/:id': { kind: 'segment' },
  'GET /api/v1/contacts/:id': { kind: 'contact', readOnly: true },
  'PATCH /api/v1/contacts/:id': { kind: 'contact', body: { firstName: 'Changed' } },
  'GET /api/v1/contacts/:id/conversations': { kind: 'contact', readOnly: true },
  'GET /api/v1/contacts/:id/timeline': { kind: 'contact', readOnly: true },
  'GET /api/v1/contacts/:id/enrichment': { kind: 'enrichedContact', readOnly: true },
  'POST /api/v1/lead-sources/:id/rotate-secret': { kind: 'leadSource' },
  'POST /api/v1/lead-sources/:id/disable': { kind: 'leadSource' },
  'POST /api/v1/lead-sources/:id/enable': { kind: 'disabledLeadSource' },
  'GET /api/v1/contacts/:id/consent': { kind: 'contact', readOnly: true },
  'POST /api/v1/contacts/:id/consent': { kind: 'contact', body: { channel: 'sms', state: 'opted_out' } },
  'PATCH /api/v1/pipeline/stages/:id': { kind: 'stage', body: { name: 'Renamed' } },
  'DELETE /api/v1/pipeline/stages/:id': { kind: 'stage' },
  'PATCH /api/v1/custom-fields/:id': { kind: 'customField', body: { label: 'Renamed' } },
  'DELETE /api/v1/custom-fields/:id': { kind: 'customField' },
  'GET /api/v1/messages/:id/media': { kind: 'media', readOnly: true },
  'GET /api/v1/catalog/items/:id': { kind: 'catalogItem', readOnly: true },
  'PATCH /api/v1/catalog/items/:id': { kind: 'catalogItem', body: { name: 'Changed' } },
  'DELETE /api/v1/catalog/items/:id': { kind: 'catalogItem' },
  'GET /api/v1/quotes/:id': { kind: 'draftQuote', readOnly: true },
  'GET /api/v1/quotes/:id/diff': { kind: 'draftQuote', readOnly: true },
  'GET /api/v1/quotes/:id/pdf': { kind: 'draftQuote', readOnly: true },
  // A body naming tenant A's own catalog item: editing A's quote, found on B's.
  'PUT /api/v1/quotes/:id': {
    kind: 'draftQuote',
    get body() {
      return { version: 1, lines: [{ catalogItemId: seededCatalogItems.get(tenantA), quantity: '3' }] };
    },
  },
  'POST /api/v1/quotes/:id/submit': { kind: 'draftQuote', body: { version: 1 } },
  'POST /api/v1/quotes/:id/approve': { kind: 'pendingQuote', body: { version: 1 } },
  'POST /api/v1/quotes/:id/reject': { kind: 'pendingQuote', body: { version: 1, reason: 'No' } },
  'POST /api/v1/quotes/:id/send': { kind: 'approvedQuote', body: { version: 1 } },
  'GET /api/v1/dead-letters/:id': { kind: 'deadLetter', readOnly: true },
  'GET /api/v1/contact-imports/:id': { kind: 'uploadedImport', readOnly: true },
  'GET /api/v1/contact-imports/:id/rejects.csv': { kind: 'uploadedImport', readOnly: true },
  'POST /api/v1/contact-imports/:id/start': {
    kind: 'uploadedImport',
    body: { mapping: { 0: 'phone' }, policy: 'skip' },
  },
  'POST /api/v1/contact-imports/:id/cancel': { kind: 'uploadedImport' },
  'POST /api/v1/contact-imports/:id/undo': { kind: 'finishedImport' },
  'GET /api/v1/privacy/erasures/:id': { kind: 'erasure', readOnly: true },
  'GET /api/v1/contacts/:id/export': { kind: 'contact', readOnly: true },
  'DELETE /api/v1/twilio/numbers/:id': { kind: 'twilioNumber' },
  'GET /api/v1/widgets/:id': { kind: 'widget', readOnly: true },
  'PATCH /api/v1/widgets/:id': { kind: 'widget', body: { name: 'Renamed' } },
  'GET /api/v1/widgets/:id/preview': { kind: 'widget', readOnly: true },
  'GET /api/v1/widgets/:id/business-hours': { kind: 'widget', readOnly: true },
  'PUT /api/v1/widgets/:id/business-hours': {
    kind: 'widget',
    body: { timeZone: 'America/Sao_Paulo', weekly: { mon: [{ start: '09:00', end: '18:00' }] } },
  },
  'DELETE /api/v1/widgets/:id/business-hours': { kind: 'widgetWithHours' },
  'POST /api/v1/callbacks/:id/cancel': { kind: 'callback' },
  'GET /api/v1/campaigns/:id': { kind: 'campaign', readOnly: true },
  'GET /api/v1/campaigns/:id/report': { kind: 'campaign', readOnly: true },
  'GET /api/v1/campaigns/:id/report.csv': { kind: 'campaign', readOnly: true },
  'PATCH /api/v1/campaigns/:id': { kind: 'campaign', body: { name: 'Renamed' } },
  'DELETE /api/v1/campaigns/:id': { kind: 'campaign' },
  'POST /api/v1/campaigns/:id/preview': { kind: 'campaign', readOnly: true },
  'POST /api/v1/campaigns/:id/launch': { kind: 'campaign', body: {} },
  'POST /api/v1/campaigns/:id/pause': { kind: 'runningCampaign' },
  'POST /api/v1/campaigns/:id/resume': { kind: 'pausedCampaign' },
  'POST /api/v1/campaigns/:id/cancel': { kind: 'runningCampaign' },
  // No failed recipient to re-queue: the campaign row itself does not change.
  'POST /api/v1/campaigns/:id/retry-failed': { kind: 'runningCampaign', readOnly: true },
  'GET /api/v1/campaigns/:id/progress': { kind: 'campaign', readOnly: true },
  'GET /api/v1/campaigns/:id/recipients': { kind: 'campaign', readOnly: true },
  'POST /api/v1/callbacks/:id/reschedule': {
    kind: 'callback',
    get body() {
      return { at: new Date(Date.now() + 86_400_000).toISOString() };
    },
  },
};

/** A conversation's read marks, notes and labels: what the inbox routes add to it. */
async function inboxRowsOf(conversationId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select (select count(*) from conversation_reads where conversation_id = ${conversationId}::uuid)
         + (select count(*) from conversation_notes where conversation_id = ${conversationId}::uuid)
         + (select count(*) from conversation_labels where conversation_id = ${conversationId}::uuid) as n`.execute(
    database.ownerDb,
  );
  return Number(rows[0]?.n);
}

/**
 * Routes that act for a principal on an object named in the path. Public routes (Meta's webhook) have no
 * principal to cross a boundary with: the channel's secrets are their guard, tested in their own suite.
 */
function parameterisedRoutes(): CatalogEntry[] {
  return app
    .routeCatalog()
    .filter((route) => route.url.includes(':') && route.method !== 'HEAD' && route.access !== 'public');
}

function urlFor(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:(\w+)/g, (_match, name: string) => {
    const value = params[name];
    if (!value) throw new Error(`no value for :${name} in ${pattern}`);
    return value;
  });
}

describe('V8.4.1 V8.2.2 every endpoint taking an id answers 404 to another tenant', () => {
  // The seed pulled each workspace's automation kill switch (its table needs rows); lifted here, so that
  // a campaign launch on A's own objects succeeds and its 404 for B's comes from the tenant boundary alone.
  beforeAll(async () => {
    for (const [tenantId, owner] of [
      [tenantA, ownerA],
      [tenantB, ownerB],
    ] as const) {
      await withTenant(database.db, tenantId, (trx) =>
        resumeAutomations(trx, tenantId, { userId: owner.userId, apiKeyId: null, context: CONTEXT }),
      );
    }
  });

  it('knows the object kind of every route with a path parameter', () => {
    const routes = parameterisedRoutes().map((route) => `${route.method} ${route.url}`);
    expect(
      routes.filter((route) => !(route in OBJECT_ROUTES)),
      'routes missing from OBJECT_ROUTES',
    ).toEqual([]);
    expect(
      Object.keys(OBJECT_ROUTES).filter((route) => !routes.includes(route)),
      'stale entries',
    ).toEqual([]);
  });

  it(
    "tenant A's owner addressing tenant B's object gets 404 (never 403) and B's object is untouched",
    async () => {
      const routes = parameterisedRoutes();
      expect(routes.length).toBeGreaterThan(0);
      for (const route of routes) {
        const entry = OBJECT_ROUTES[`${route.method} ${route.url}`];
        if (!entry) throw new Error(`${route.method} ${route.url} is not in OBJECT_ROUTES`);
        const object = await KINDS[entry.kind](tenantB, ownerB);
        const response = await app.inject({
          method: route.method as 'GET',
          url: urlFor(route.url, object.params),
          ...requestOf(entry, ownerA.headers),
        });
        expect(response.statusCode, `${route.method} ${route.url}: ${response.body}`).toBe(404);
        expect(await object.intact(), `${route.method} ${route.url} changed B's object`).toBe(true);
      }
    },
    SWEEP_TIMEOUT_MS,
  );

  it(
    'the same requests on A’s own objects succeed, so the 404 above comes from the tenant boundary',
    async () => {
      for (const route of parameterisedRoutes()) {
        const entry = OBJECT_ROUTES[`${route.method} ${route.url}`];
        if (!entry) throw new Error(`${route.method} ${route.url} is not in OBJECT_ROUTES`);
        const object = await KINDS[entry.kind](tenantA, ownerA);
        const response = await app.inject({
          method: route.method as 'GET',
          url: urlFor(route.url, object.params),
          ...requestOf(entry, ownerA.headers),
        });
        expect(response.statusCode, `${route.method} ${route.url}: ${response.body}`).toBeLessThan(300);
        // A read leaves the object as it was; every other route must have changed it.
        expect(await object.intact(), `${route.method} ${route.url} should have acted`).toBe(
          entry.readOnly === true,
        );
      }
    },
    SWEEP_TIMEOUT_MS,
  );

  it(
    'an admin-scoped API key of tenant A gets 404 for B’s objects on routes API keys may call',
    async () => {
      const issued = await createApiKey(
        database.db,
        tenantA,
        { userId: ownerA.userId, apiKeyId: null, context: CONTEXT },
        {
          name: 'matrix admin key',
          scopes: ['admin'],
          expiresAt: null,
        },
      );
      const keyRoutes = parameterisedRoutes().filter(
        (route) =>
          typeof route.access === 'object' && 'apiKeyScope' in route.access && route.access.apiKeyScope,
      );
      for (const route of keyRoutes) {
        const entry = OBJECT_ROUTES[`${route.method} ${route.url}`];
        if (!entry) throw new Error(`${route.method} ${route.url} is not in OBJECT_ROUTES`);
        const object = await KINDS[entry.kind](tenantB, ownerB);
        const response = await app.inject({
          method: route.method as 'GET',
          url: urlFor(route.url, object.params),
          ...requestOf(entry, { authorization: `Bearer ${issued.key}` }),
        });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(404);
        expect(await object.intact()).toBe(true);
      }
      // Key-reachable routes may not exist yet; the key itself must work so the loop above means something.
      const self = await app.inject({
        method: 'GET',
        url: '/api/v1/api-keys/self',
        headers: { authorization: `Bearer ${issued.key}` },
      });
      expect(self.statusCode).toBe(200);
    },
    SWEEP_TIMEOUT_MS,
  );
});
