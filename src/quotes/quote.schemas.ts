import { z } from 'zod';
import { ZLine, ZText } from '../platform/http/text-fields.js';
import type { QueueEntry } from './approval.service.js';
import { formatQuantity } from './quantity.js';
import { QUOTE_STATUSES } from './quote-state.js';
import type { QuoteDetail } from './quotes.service.js';

const ZMinor = z.number().int();
const ZBp = z.number().int().min(0).max(10_000);

export const ZLineInput = z.strictObject({
  catalogItemId: z.uuid(),
  quantity: z.string().regex(/^\d{1,7}(?:[.,]\d{1,3})?$/, 'a positive number with up to three decimals'),
  discountBp: ZBp.optional(),
  unitPriceMinor: z.number().int().min(0).max(1_000_000_000_000).optional(),
  note: ZLine(1000).optional(),
  sourceMessageId: z.uuid().optional(),
});

export const ZQuoteContent = z.strictObject({
  lines: z.array(ZLineInput).max(200),
  discountBp: ZBp.optional(),
  notes: z.union([z.literal(''), ZText(4000)]).optional(),
  validUntil: z.iso.date().optional(),
});

export const ZDiff = z
  .object({
    fromVersion: z.number().int(),
    toVersion: z.number().int(),
    fields: z.array(
      z.object({
        field: z.string(),
        from: z.union([z.string(), z.number()]),
        to: z.union([z.string(), z.number()]),
      }),
    ),
    lines: z.array(
      z.object({
        sku: z.string(),
        name: z.string(),
        change: z.enum(['added', 'removed', 'changed']),
        fields: z.array(
          z.object({
            field: z.string(),
            from: z.union([z.string(), z.number()]),
            to: z.union([z.string(), z.number()]),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'QuoteDiff' });

export const ZQuote = z
  .object({
    id: z.uuid(),
    number: z.string(),
    contactId: z.uuid().nullable(),
    conversationId: z.uuid().nullable(),
    currentVersion: z.number().int(),
    createdAt: z.iso.datetime(),
    version: z.object({
      version: z.number().int(),
      status: z.enum(QUOTE_STATUSES),
      statusChangedAt: z.iso.datetime(),
      currency: z.string(),
      locale: z.string(),
      validUntil: z.string(),
      notes: z.string(),
      discountBp: z.number().int(),
      manualPriceChange: z.boolean(),
      draftedByUserId: z.uuid().nullable(),
      approvedByUserId: z.uuid().nullable(),
      sentAt: z.iso.datetime().nullable(),
    }),
    lines: z.array(
      z.object({
        position: z.number().int(),
        catalogItemId: z.uuid().nullable(),
        sku: z.string(),
        name: z.string(),
        unit: z.string(),
        unitPriceMinor: ZMinor,
        catalogPriceMinor: ZMinor.nullable(),
        taxRateBp: z.number().int(),
        quantity: z.string(),
        discountBp: z.number().int(),
        note: z.string(),
        sourceMessageId: z.uuid().nullable(),
        amountMinor: ZMinor,
      }),
    ),
    totals: z.object({
      subtotalMinor: ZMinor,
      discountMinor: ZMinor,
      taxes: z.array(z.object({ rateBp: z.number().int(), baseMinor: ZMinor, taxMinor: ZMinor })),
      taxMinor: ZMinor,
      totalMinor: ZMinor,
    }),
    versions: z.array(
      z.object({
        version: z.number().int(),
        status: z.enum(QUOTE_STATUSES),
        statusChangedAt: z.iso.datetime(),
        totalMinor: ZMinor,
      }),
    ),
  })
  .meta({ id: 'Quote' });

export function toQuote({ quote, version, lines, totals, versions }: QuoteDetail): z.infer<typeof ZQuote> {
  return {
    id: quote.id,
    number: quote.number,
    contactId: quote.contactId,
    conversationId: quote.conversationId,
    currentVersion: quote.currentVersion,
    createdAt: quote.createdAt.toISOString(),
    version: {
      version: version.version,
      status: version.status,
      statusChangedAt: version.statusChangedAt.toISOString(),
      currency: version.currency,
      locale: version.locale,
      validUntil: version.validUntil,
      notes: version.notes,
      discountBp: version.discountBp,
      manualPriceChange: version.manualPriceChange,
      draftedByUserId: version.draftedByUserId,
      approvedByUserId: version.approvedByUserId,
      sentAt: version.sentAt?.toISOString() ?? null,
    },
    lines: lines.map((line, index) => ({
      position: line.position,
      catalogItemId: line.catalogItemId,
      sku: line.sku,
      name: line.name,
      unit: line.unit,
      unitPriceMinor: Number(line.unitPriceMinor),
      catalogPriceMinor: line.catalogPriceMinor === null ? null : Number(line.catalogPriceMinor),
      taxRateBp: line.taxRateBp,
      quantity: formatQuantity(BigInt(line.quantityMilli)),
      discountBp: line.discountBp,
      note: line.note,
      sourceMessageId: line.sourceMessageId,
      amountMinor: Number(totals.lines[index]?.amountMinor ?? 0n),
    })),
    totals: {
      subtotalMinor: Number(totals.subtotalMinor),
      discountMinor: Number(totals.discountMinor),
      taxes: totals.taxes.map((row) => ({
        rateBp: row.rateBp,
        baseMinor: Number(row.baseMinor),
        taxMinor: Number(row.taxMinor),
      })),
      taxMinor: Number(totals.taxMinor),
      totalMinor: Number(totals.totalMinor),
    },
    versions: versions.map((v) => ({
      version: v.version,
      status: v.status,
      statusChangedAt: v.statusChangedAt.toISOString(),
      totalMinor: Number(v.totalMinor),
    })),
  };
}

export const ZQueueEntry = z
  .object({
    quoteId: z.uuid(),
    number: z.string(),
    version: z.number().int(),
    waitingSince: z.iso.datetime(),
    totalMinor: ZMinor,
    currency: z.string(),
    contactId: z.uuid().nullable(),
    contactName: z.string().nullable(),
    conversationId: z.uuid().nullable(),
    draftedByUserId: z.uuid().nullable(),
    manualPriceChange: z.boolean(),
    excerpt: z.array(
      z.object({ direction: z.string(), text: z.string().nullable(), sentAt: z.iso.datetime() }),
    ),
    diff: ZDiff.nullable(),
  })
  .meta({ id: 'ApprovalQueueEntry' });

export function toQueueEntry(entry: QueueEntry): z.infer<typeof ZQueueEntry> {
  return {
    quoteId: entry.quoteId,
    number: entry.number,
    version: entry.version,
    waitingSince: entry.statusChangedAt.toISOString(),
    totalMinor: Number(entry.totalMinor),
    currency: entry.currency,
    contactId: entry.contactId,
    contactName: entry.contactName,
    conversationId: entry.conversationId,
    draftedByUserId: entry.draftedByUserId,
    manualPriceChange: entry.manualPriceChange,
    excerpt: entry.excerpt.map((m) => ({
      direction: m.direction,
      text: m.text,
      sentAt: m.sentAt.toISOString(),
    })),
    diff: entry.diff,
  };
}
