import { z } from 'zod';
import { OutboundError } from '../../platform/http/outbound/errors.js';
import type { OutboundClient } from '../../platform/http/outbound/outbound-client.js';

/**
 * A failed Lemlist call: the status only (Lemlist's messages quote the lead's address, which stays out of
 * logs and dead letters).
 */
export class LemlistApiError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(`Lemlist answered ${status ?? 'nothing'}`, options);
    this.name = 'LemlistApiError';
  }
}

const ZTeam = z.object({ _id: z.string().max(100), name: z.string().max(300).optional() });
const ZLead = z.object({ _id: z.string().max(100) }).loose();

export interface LemlistLead {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  companyName?: string | undefined;
  phone?: string | undefined;
}

export interface LemlistClient {
  /** The team the key belongs to (also proves the key works). */
  team(apiKey: string): Promise<{ id: string; name: string | null }>;
  /**
   * Adds the lead to the campaign (Lemlist creates the lead when new). A lead the campaign already has is
   * reported as `already_in_campaign`: pushing twice never makes two leads.
   */
  addLeadToCampaign(
    apiKey: string,
    campaignId: string,
    lead: LemlistLead,
  ): Promise<{ leadId: string | null; outcome: 'added' | 'already_in_campaign' }>;
}

/** Lemlist's keys authenticate as HTTP Basic with an empty user name and the key as the password. */
function basicAuth(apiKey: string): string {
  return `Basic ${Buffer.from(`:${apiKey}`).toString('base64')}`;
}

const ALREADY_IN_CAMPAIGN = /already/i;

export function createLemlistClient(options: { http: OutboundClient; baseUrl: string }): LemlistClient {
  const { http, baseUrl } = options;

  async function call(apiKey: string, method: 'GET' | 'POST', path: string, body?: unknown) {
    try {
      const response = await http.request({
        method,
        url: `${baseUrl}${path}`,
        headers: {
          authorization: basicAuth(apiKey),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        maxBytes: 1024 * 1024,
        // 429 (20 requests per 2 s per key, with Retry-After) and 5xx are retried in the call with
        // backoff (cockatiel, honouring Retry-After); adding a lead twice is harmless (see above).
        breakerKey: 'lemlist',
      });
      const text = response.body.toString('utf8');
      return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
    } catch (error) {
      if (error instanceof OutboundError) {
        const status = error.details.status;
        if (status === 400 && ALREADY_IN_CAMPAIGN.test(error.details.body?.toString('utf8') ?? '')) {
          return { status: 409, json: undefined };
        }
        throw new LemlistApiError(status, error.retryable, { cause: error });
      }
      throw new LemlistApiError(undefined, true, { cause: error });
    }
  }

  return {
    async team(apiKey) {
      const { json } = await call(apiKey, 'GET', '/api/team');
      const team = ZTeam.parse(json);
      return { id: team._id, name: team.name ?? null };
    },
    async addLeadToCampaign(apiKey, campaignId, lead) {
      const { email, ...fields } = lead;
      const { status, json } = await call(
        apiKey,
        'POST',
        `/api/campaigns/${encodeURIComponent(campaignId)}/leads/${encodeURIComponent(email)}`,
        Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
      );
      if (status === 409) return { leadId: null, outcome: 'already_in_campaign' };
      return { leadId: ZLead.parse(json)._id, outcome: 'added' };
    },
  };
}
