import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../platform/db/database.js';
import { pageBody, ZCursor, ZPage } from '../../platform/http/cursor.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { ZLine, ZText } from '../../platform/http/text-fields.js';
import { getQuoteSettings } from '../quote-settings.js';
import type { CatalogItem } from '../quotes.table.js';
import {
  changeCatalogItem,
  createCatalogItem,
  getCatalogItem,
  pageOfCatalog,
  removeCatalogItem,
  searchCatalog,
} from './catalog.service.js';
import { importCatalogCsv, MAX_CSV_ROWS } from './catalog-csv.js';

export const ZCatalogItem = z
  .object({
    id: z.uuid(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    unit: z.string(),
    unitPriceMinor: z.number().int(),
    taxRateBp: z.number().int(),
    active: z.boolean(),
    category: z.string().nullable(),
    options: z.array(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'CatalogItem' });

export function toCatalogItem(item: CatalogItem): z.infer<typeof ZCatalogItem> {
  return {
    id: item.id,
    sku: item.sku,
    name: item.name,
    description: item.description,
    unit: item.unit,
    unitPriceMinor: Number(item.unitPriceMinor),
    taxRateBp: item.taxRateBp,
    active: item.active,
    category: item.category,
    options: item.options,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
  };
}

const ZInput = z.strictObject({
  sku: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._\-/]{1,64}$/, 'letters, digits and . _ - /, at most 64'),
  name: ZLine(200),
  description: ZText(4000).optional(),
  unit: ZLine(32).optional(),
  /** Minor units of the workspace currency (cents): 1250 is 12.50 EUR. */
  unitPriceMinor: z.number().int().min(0).max(1_000_000_000_000),
  /** Basis points: 2200 is 22 %. */
  taxRateBp: z.number().int().min(0).max(10_000).optional(),
  active: z.boolean().optional(),
  category: ZLine(100).nullable().optional(),
  options: z.array(ZLine(100)).max(50).optional(),
});
const ZId = z.strictObject({ id: z.uuid() });
const read = { permission: 'quotes.read', apiKeyScope: 'quotes:read' } as const;
const manage = { permission: 'catalog.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409, 413, 422);

/** The workspace's catalog: everyone drafting quotes reads and searches it, admins curate it. */
export const catalogRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/catalog/items',
    {
      config: { access: read },
      schema: {
        tags: ['catalog'],
        summary: 'Catalog items, newest first (keyset cursor)',
        querystring: z.strictObject({
          cursor: ZCursor.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          active: z.enum(['true', 'false']).optional(),
          category: ZLine(100).optional(),
        }),
        response: {
          200: ZPage(ZCatalogItem),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, limit, active, category } = request.query;
      const page = await pageOfCatalog(db, tenantId, {
        after: cursor,
        limit,
        active: active === undefined ? undefined : active === 'true',
        category,
      });
      return pageBody(page, toCatalogItem);
    },
  );

  app.get(
    '/api/v1/catalog/search',
    {
      config: { access: read },
      schema: {
        tags: ['catalog'],
        summary: 'Active items matching a text, ignoring case and accents, tolerant of typos; best first',
        querystring: z.strictObject({
          q: ZLine(200),
          limit: z.coerce.number().int().min(1).max(50).default(10),
        }),
        response: {
          200: z.object({ items: z.array(ZCatalogItem.extend({ score: z.number() })) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const items = await searchCatalog(db, tenantId, request.query.q, request.query.limit);
      return { items: items.map((item) => ({ ...toCatalogItem(item), score: Number(item.score) })) };
    },
  );

  app.get(
    '/api/v1/catalog/items/:id',
    {
      config: { access: read },
      schema: {
        tags: ['catalog'],
        summary: 'One catalog item',
        params: ZId,
        response: { 200: ZCatalogItem, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toCatalogItem(await getCatalogItem(db, tenantId, request.params.id));
    },
  );

  app.post(
    '/api/v1/catalog/items',
    {
      config: { access: manage },
      schema: {
        tags: ['catalog'],
        summary: 'Add a catalog item (SKUs are unique, case-insensitively)',
        body: ZInput,
        response: { 201: ZCatalogItem, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      reply.code(201);
      return toCatalogItem(await createCatalogItem(db, tenantId, actor, request.body));
    },
  );

  app.patch(
    '/api/v1/catalog/items/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['catalog'],
        summary: 'Change a catalog item (quotes keep the snapshot they were drafted with)',
        params: ZId,
        body: ZInput.partial().refine((body) => Object.keys(body).length > 0, 'nothing to change'),
        response: { 200: ZCatalogItem, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toCatalogItem(await changeCatalogItem(db, tenantId, actor, request.params.id, request.body));
    },
  );

  app.delete(
    '/api/v1/catalog/items/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['catalog'],
        summary: 'Delete a catalog item (or set active to false to keep it out of new quotes)',
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await removeCatalogItem(db, tenantId, actor, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/catalog/import',
    {
      config: { access: manage },
      schema: {
        tags: ['catalog'],
        summary: `Import items from CSV text (header sku,name,unit_price[,description,unit,tax_rate,active,category,options]; at most ${MAX_CSV_ROWS} rows; all or nothing, by SKU)`,
        body: z.strictObject({ csv: z.string().min(1).max(900_000) }),
        response: { 200: z.object({ inserted: z.number().int(), updated: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { currency } = await getQuoteSettings(db, tenantId);
      return importCatalogCsv(db, tenantId, actor, request.body.csv, currency);
    },
  );
};
