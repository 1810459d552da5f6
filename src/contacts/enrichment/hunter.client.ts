import { z } from 'zod';
import { OutboundError } from '../../platform/http/outbound/errors.js';
import type { OutboundClient } from '../../platform/http/outbound/outbound-client.js';

export const HUNTER_PROVIDER = 'hunter';
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * The part of Hunter's Company Enrichment answer (`GET /v2/companies/find?domain=`, Clearbit-shaped
 * `data`) that Leadline keeps. Everything is optional: Hunter omits what it does not know.
 */
const ZHunterCompany = z.object({
  data: z.object({
    name: z.string().max(300).nullish(),
    legalName: z.string().max(300).nullish(),
    domain: z.string().max(253).nullish(),
    description: z.string().max(2_000).nullish(),
    foundedYear: z.number().int().nullish(),
    category: z
      .object({ sector: z.string().max(200).nullish(), industry: z.string().max(200).nullish() })
      .nullish(),
    geo: z.object({ country: z.string().max(100).nullish(), city: z.string().max(100).nullish() }).nullish(),
    metrics: z.object({ employees: z.union([z.string().max(40), z.number()]).nullish() }).nullish(),
  }),
});

export interface CompanyFacts {
  name: string | null;
  legalName: string | null;
  sector: string | null;
  industry: string | null;
  employees: string | null;
  country: string | null;
  city: string | null;
  foundedYear: number | null;
  description: string | null;
}

export interface HunterClient {
  /** The company behind a domain, or null when Hunter knows none. Throws OutboundError otherwise. */
  findCompany(domain: string): Promise<CompanyFacts | null>;
}

/**
 * Hunter's Company Enrichment API through the shared outbound client (timeouts, retries honouring
 * Retry-After, one circuit breaker for the provider). The key goes in the X-API-KEY header, never in the
 * URL, so it cannot reach a log line.
 */
export function createHunterClient(options: {
  http: OutboundClient;
  baseUrl: string;
  apiKey: string;
}): HunterClient {
  return {
    async findCompany(domain) {
      let body: Buffer;
      try {
        const response = await options.http.request({
          method: 'GET',
          url: `${options.baseUrl}/v2/companies/find?domain=${encodeURIComponent(domain)}`,
          headers: { 'x-api-key': options.apiKey, accept: 'application/json' },
          breakerKey: 'enrichment:hunter',
          maxBytes: MAX_RESPONSE_BYTES,
        });
        body = response.body;
      } catch (error) {
        // 404: Hunter has no company for this domain; an answer, not a failure.
        if (error instanceof OutboundError && error.details.status === 404) return null;
        throw error;
      }
      const data = ZHunterCompany.parse(JSON.parse(body.toString('utf8'))).data;
      const employees = data.metrics?.employees;
      return {
        name: data.name ?? null,
        legalName: data.legalName ?? null,
        sector: data.category?.sector ?? null,
        industry: data.category?.industry ?? null,
        employees: employees === null || employees === undefined ? null : String(employees),
        country: data.geo?.country ?? null,
        city: data.geo?.city ?? null,
        foundedYear: data.foundedYear ?? null,
        description: data.description ?? null,
      };
    },
  };
}
