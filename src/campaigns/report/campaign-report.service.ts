import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { type AuditActor, auditChange } from '../../audit/audit.repository.js';
import type { Db } from '../../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../platform/db/tenant-context.js';
import { csvStream } from '../../platform/export/csv.js';
import { AppError } from '../../platform/http/app-error.js';
import {
  type Funnel,
  funnelByVariant,
  totalFunnel,
  type Variant,
  type VariantFunnel,
} from './funnel.query.js';
import { type RecipientOutcomeRow, recipientOutcomePage } from './report-rows.query.js';

interface ReportedCampaign {
  id: string;
  name: string;
  status: string;
  channelKind: string;
  launchedAt: Date | null;
  completedAt: Date | null;
  content: { variants?: { key?: Variant; template?: { name?: string; language?: string }; text?: string }[] };
}

export interface CampaignReport {
  campaign: Omit<ReportedCampaign, 'content'>;
  variants: (VariantFunnel & { label: string })[];
  total: { recipients: number; notSent: number; funnel: Funnel };
  generatedAt: Date;
}

async function reportedCampaign(trx: TenantTransaction, campaignId: string): Promise<ReportedCampaign> {
  const { rows } = await sql<ReportedCampaign>`
    select id, name, status, channel_kind, launched_at, completed_at, content
    from campaigns where id = ${campaignId}`.execute(trx);
  const campaign = rows[0];
  if (!campaign) throw new AppError('not_found', 'Campaign not found');
  return campaign;
}

/** What a variant is called on the report: its template (name and language), or its SMS text's start. */
function variantLabel(campaign: ReportedCampaign, variant: Variant): string {
  const content = campaign.content.variants?.find((candidate) => candidate.key === variant);
  if (content?.template?.name) return `${content.template.name} (${content.template.language ?? '?'})`;
  if (content?.text) return content.text.length > 40 ? `${content.text.slice(0, 39)}…` : content.text;
  return `Variant ${variant}`;
}

/** The funnel of a campaign, per variant and in total, as of now (one statement: a consistent funnel). */
export async function campaignReport(db: Db, tenantId: string, campaignId: string): Promise<CampaignReport> {
  return withTenant(db, tenantId, async (trx) => {
    const campaign = await reportedCampaign(trx, campaignId);
    const variants = await funnelByVariant(trx, campaignId);
    const { content: _content, ...header } = campaign;
    return {
      campaign: header,
      variants: variants.map((variant) => ({ ...variant, label: variantLabel(campaign, variant.variant) })),
      total: totalFunnel(variants),
      generatedAt: new Date(),
    };
  });
}

export const REPORT_CSV_COLUMNS = [
  'recipient_id',
  'contact_id',
  'name',
  'phone',
  'variant',
  'status',
  'skip_reason',
  'error_code',
  'sent_at',
  'delivered_at',
  'read_at',
  'replied_at',
  'delivered',
  'read',
  'replied',
  'qualified',
  'quoted',
  'won',
] as const;
const CSV_BATCH = 1000;

/**
 * Every recipient of a campaign with the stages it reached, as a CSV stream (names and numbers: personal
 * data, so the download is audited). Read in keyset batches, each its own short transaction, so a slow
 * download holds no transaction open; the campaign is checked (404) before the first byte.
 */
export async function campaignReportCsv(
  db: Db,
  tenantId: string,
  actor: AuditActor,
  campaignId: string,
): Promise<{ fileName: string; stream: Readable }> {
  const campaign = await withTenant(db, tenantId, async (trx) => {
    const found = await reportedCampaign(trx, campaignId);
    await auditChange(trx, tenantId, actor, 'campaign.report_exported', { campaignId });
    return found;
  });
  async function* rows() {
    let after: string | null = null;
    for (;;) {
      const cursor: string | null = after;
      const page: RecipientOutcomeRow[] = await withTenant(db, tenantId, (trx) =>
        recipientOutcomePage(trx, campaignId, cursor, CSV_BATCH),
      );
      for (const row of page) {
        yield {
          recipient_id: row.id,
          contact_id: row.contactId,
          name: row.name,
          phone: row.phoneE164,
          variant: row.variant,
          status: row.status,
          skip_reason: row.skipReason,
          error_code: row.errorCode,
          sent_at: row.sentAt,
          delivered_at: row.deliveredAt,
          read_at: row.readAt,
          replied_at: row.repliedAt,
          delivered: row.delivered,
          read: row.read,
          replied: row.replied,
          qualified: row.qualified,
          quoted: row.quoted,
          won: row.won,
        };
      }
      if (page.length < CSV_BATCH) return;
      after = page.at(-1)?.id ?? null;
    }
  }
  const slug = campaign.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return {
    fileName: `campaign-${slug || campaign.id}-report.csv`,
    stream: csvStream(REPORT_CSV_COLUMNS, rows()),
  };
}
