import { z } from 'zod';
import { OutboundError } from '../../platform/http/outbound/errors.js';
import type { OutboundClient } from '../../platform/http/outbound/outbound-client.js';
import type { RateLimiters } from './rate-limiter.js';

/**
 * A failed HubSpot call. The message names the status and HubSpot's error category only: HubSpot's own
 * messages quote property values (an e-mail address), which must stay out of logs and dead letters.
 */
export class HubspotApiError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly category: string | undefined,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(`HubSpot answered ${status ?? 'nothing'}${category ? ` (${category})` : ''}`, options);
    this.name = 'HubspotApiError';
  }
}

// HubSpot's error envelope: { status: "error", message, correlationId, category }.
const ZErrorEnvelope = z.object({ category: z.string().max(100).optional() });
const ZAccount = z.object({ portalId: z.number().int().positive() });
const ZBatchResult = z.object({
  results: z.array(
    z.object({ id: z.string().regex(/^\d{1,20}$/), properties: z.record(z.string(), z.unknown()) }),
  ),
  errors: z
    .array(
      z.object({
        category: z.string().max(100),
        context: z
          .object({ ids: z.array(z.string()).optional() })
          .partial()
          .optional(),
      }),
    )
    .optional(),
});

export interface HubspotAuth {
  token: string;
  portalId: string;
}

export interface UpsertInput {
  /** The unique property matched on (leadline_id, or email as the fallback). */
  idProperty: string;
  id: string;
  properties: Record<string, string>;
}

export interface UpsertOutcome {
  /** HubSpot object id per input id. */
  ids: Map<string, string>;
  /** Input ids HubSpot refused, with its error category. */
  failed: Map<string, string>;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'enumeration';
  fieldType: 'text' | 'number' | 'date' | 'select' | 'booleancheckbox';
  groupName: string;
  hasUniqueValue?: boolean;
}

export interface HubspotClient {
  /** The account the token belongs to (also proves the token works). */
  accountDetails(token: string): Promise<{ portalId: string }>;
  hasProperty(auth: HubspotAuth, objectType: 'contacts' | 'deals', name: string): Promise<boolean>;
  /** Creates the property unless the account has it already. */
  ensureProperty(
    auth: HubspotAuth,
    objectType: 'contacts' | 'deals',
    property: PropertyDefinition,
  ): Promise<void>;
  batchUpsert(
    auth: HubspotAuth,
    objectType: 'contacts' | 'deals',
    inputs: UpsertInput[],
  ): Promise<UpsertOutcome>;
  associateDealWithContact(auth: HubspotAuth, dealId: string, contactId: string): Promise<void>;
  /** GDPR delete of a contact; `not_found` when HubSpot has none. */
  gdprDelete(
    auth: HubspotAuth,
    input: { idProperty: string; objectId: string },
  ): Promise<'deleted' | 'not_found'>;
  /** Creates a task (CRM v3 tasks), associated with a HubSpot contact when one is given; returns its id. */
  createTask(auth: HubspotAuth, task: TaskInput): Promise<{ id: string }>;
  /** 429s received across accounts (for the benchmark and the sync page). */
  tooManyRequests(portalId: string): number;
}

export interface TaskInput {
  subject: string;
  body?: string;
  dueAt: Date;
  /** The HubSpot contact id the task is about (omitted: a task on no record). */
  contactId?: string;
}

/** HubSpot's default association type of a task to a contact. */
const TASK_TO_CONTACT = 204;
const ZCreated = z.object({ id: z.string().regex(/^\d{1,20}$/) });

export const MAX_BATCH_INPUTS = 100;
const MAX_429_WAITS = 8;

export function createHubspotClient(options: {
  http: OutboundClient;
  baseUrl: string;
  limiters: RateLimiters;
  timeoutMs?: number;
}): HubspotClient {
  const { http, baseUrl, limiters } = options;

  async function call(
    auth: { token: string; portalId?: string },
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const limiter = auth.portalId ? limiters.for(auth.portalId) : undefined;
    for (let waits = 0; ; waits++) {
      await limiter?.acquire();
      try {
        const response = await http.request({
          method,
          url: `${baseUrl}${path}`,
          headers: {
            authorization: `Bearer ${auth.token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          maxBytes: 8 * 1024 * 1024,
          retries: 0,
          ...(auth.portalId ? { breakerKey: `hubspot:${auth.portalId}` } : {}),
        });
        limiter?.observe(response.headers);
        const text = response.body.toString('utf8');
        return { status: response.status, json: text ? JSON.parse(text) : undefined };
      } catch (error) {
        if (
          error instanceof OutboundError &&
          error.details.status === 429 &&
          limiter &&
          waits < MAX_429_WAITS
        ) {
          limiter.refused(error.details.retryAfterMs);
          continue;
        }
        throw asApiError(error);
      }
    }
  }

  async function hasProperty(auth: HubspotAuth, objectType: 'contacts' | 'deals', name: string) {
    try {
      await call(auth, 'GET', `/crm/v3/properties/${objectType}/${encodeURIComponent(name)}`);
      return true;
    } catch (error) {
      if (error instanceof HubspotApiError && error.status === 404) return false;
      throw error;
    }
  }

  return {
    async accountDetails(token) {
      const { json } = await call({ token }, 'GET', '/account-info/v3/details');
      return { portalId: String(ZAccount.parse(json).portalId) };
    },
    hasProperty,
    async ensureProperty(auth, objectType, property) {
      if (await hasProperty(auth, objectType, property.name)) return;
      try {
        await call(auth, 'POST', `/crm/v3/properties/${objectType}`, property);
      } catch (error) {
        // Created meanwhile (another worker, or a retry after a lost answer): what we wanted.
        if (!(error instanceof HubspotApiError) || error.status !== 409) throw error;
      }
    },
    async batchUpsert(auth, objectType, inputs) {
      if (inputs.length > MAX_BATCH_INPUTS) throw new Error(`at most ${MAX_BATCH_INPUTS} inputs per batch`);
      const { json } = await call(auth, 'POST', `/crm/v3/objects/${objectType}/batch/upsert`, { inputs });
      const parsed = ZBatchResult.parse(json);
      const ids = new Map<string, string>();
      const byValue = new Map(inputs.map((input) => [`${input.idProperty}\u0000${input.id}`, input.id]));
      for (const result of parsed.results) {
        for (const input of inputs) {
          const value = result.properties[input.idProperty];
          if (typeof value === 'string' && byValue.get(`${input.idProperty}\u0000${value}`) === input.id) {
            ids.set(input.id, result.id);
            break;
          }
        }
      }
      const failed = new Map<string, string>();
      for (const error of parsed.errors ?? []) {
        for (const id of error.context?.ids ?? []) failed.set(id, error.category);
      }
      // An input neither answered nor refused is reported as failed, never assumed written.
      for (const input of inputs)
        if (!ids.has(input.id) && !failed.has(input.id)) failed.set(input.id, 'NO_RESULT');
      return { ids, failed };
    },
    async associateDealWithContact(auth, dealId, contactId) {
      await call(auth, 'PUT', `/crm/v4/objects/deals/${dealId}/associations/default/contacts/${contactId}`);
    },
    async gdprDelete(auth, input) {
      try {
        await call(auth, 'POST', '/crm/v3/objects/contacts/gdpr-delete', input);
        return 'deleted';
      } catch (error) {
        if (error instanceof HubspotApiError && error.status === 404) return 'not_found';
        throw error;
      }
    },
    async createTask(auth, task) {
      const { json } = await call(auth, 'POST', '/crm/v3/objects/tasks', {
        properties: {
          hs_timestamp: task.dueAt.toISOString(),
          hs_task_subject: task.subject,
          hs_task_status: 'NOT_STARTED',
          ...(task.body ? { hs_task_body: task.body } : {}),
        },
        ...(task.contactId
          ? {
              associations: [
                {
                  to: { id: task.contactId },
                  types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TASK_TO_CONTACT }],
                },
              ],
            }
          : {}),
      });
      return { id: ZCreated.parse(json).id };
    },
    tooManyRequests(portalId) {
      return limiters.for(portalId).tooManyRequests;
    },
  };
}

function asApiError(error: unknown): HubspotApiError {
  if (error instanceof HubspotApiError) return error;
  if (error instanceof OutboundError) {
    let category: string | undefined;
    if (error.details.body) {
      try {
        category = ZErrorEnvelope.parse(JSON.parse(error.details.body.toString('utf8'))).category;
      } catch {
        category = undefined;
      }
    }
    return new HubspotApiError(error.details.status, category ?? error.failure, error.retryable, {
      cause: error,
    });
  }
  return new HubspotApiError(undefined, 'unreadable_answer', true, { cause: error });
}
