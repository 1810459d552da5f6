import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditChange } from '../../audit/audit.repository.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { ZLine } from '../../platform/http/text-fields.js';
import {
  CUSTOM_FIELD_KEY,
  createCustomField,
  deleteCustomField,
  listCustomFields,
  MAX_SELECT_OPTIONS,
  updateCustomField,
} from './custom-fields.js';
import { CUSTOM_FIELD_TYPES, type CustomFieldDefinition } from './custom-fields.table.js';

const ZField = z
  .object({
    id: z.uuid(),
    key: z.string(),
    label: z.string(),
    type: z.enum(CUSTOM_FIELD_TYPES),
    options: z.array(z.string()),
    position: z.number().int(),
  })
  .meta({ id: 'CustomField' });

function toField(field: CustomFieldDefinition): z.infer<typeof ZField> {
  return {
    id: field.id,
    key: field.key,
    label: field.label,
    type: field.type,
    options: field.options,
    position: field.position,
  };
}

const ZOptions = z.array(ZLine(100)).max(MAX_SELECT_OPTIONS);
const ZFieldInput = z.strictObject({
  key: z
    .string()
    .regex(CUSTOM_FIELD_KEY, 'lower-case letters, digits and _, starting with a letter (at most 40)')
    .describe('Stable: values, filters and templates (contact.fields.<key>) use it'),
  label: ZLine(80),
  type: z.enum(CUSTOM_FIELD_TYPES),
  options: ZOptions.default([]).describe('The choices of a select field'),
});
const ZFieldChange = z
  .strictObject({
    label: ZLine(80).optional(),
    options: ZOptions.optional(),
    position: z.number().int().min(0).max(1000).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

const ZId = z.strictObject({ id: z.uuid() });
const read = { permission: 'contacts.read', apiKeyScope: 'contacts:read' } as const;
const manage = { permission: 'contacts.settings', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);

/** Custom fields of contacts: everyone reads the definitions, admins define them. */
export const customFieldsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/custom-fields',
    {
      config: { access: read },
      schema: {
        tags: ['contacts'],
        summary: "The workspace's custom contact fields, in display order",
        response: { 200: z.object({ items: z.array(ZField) }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return { items: (await withTenant(db, tenantId, listCustomFields)).map(toField) };
    },
  );

  app.post(
    '/api/v1/custom-fields',
    {
      config: { access: manage },
      schema: {
        tags: ['contacts'],
        summary: 'Define a custom field (text, number, date, select or boolean)',
        body: ZFieldInput,
        response: { 201: ZField, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const field = await withTenant(db, tenantId, async (trx) => {
        const created = await createCustomField(trx, request.body);
        await auditChange(trx, tenantId, actor, 'custom_field.created', { key: created.key });
        return created;
      });
      reply.code(201);
      return toField(field);
    },
  );

  app.patch(
    '/api/v1/custom-fields/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['contacts'],
        summary: "Change a field's label, position or options (its key and type never change)",
        params: ZId,
        body: ZFieldChange,
        response: { 200: ZField, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toField(
        await withTenant(db, tenantId, async (trx) => {
          const field = await updateCustomField(trx, request.params.id, request.body);
          await auditChange(trx, tenantId, actor, 'custom_field.updated', { key: field.key });
          return field;
        }),
      );
    },
  );

  app.delete(
    '/api/v1/custom-fields/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['contacts'],
        summary: "Delete a field and every contact's value of it",
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await withTenant(db, tenantId, async (trx) => {
        await deleteCustomField(trx, request.params.id);
        await auditChange(trx, tenantId, actor, 'custom_field.deleted', { id: request.params.id });
      });
      return reply.code(204).send(null);
    },
  );
};
