import { z } from 'zod';
import type { OutboundClient } from '../platform/http/outbound/outbound-client.js';

/** Digits, as Phantombuster's ids are (sent as numbers or strings depending on the endpoint). */
const ZId = z
  .union([z.string().regex(/^[0-9]{1,30}$/), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform(String);

/**
 * Phantombuster's custom webhook, POSTed when an agent's run ends (hub.phantombuster.com "Using
 * webhooks"): agentId, agentName, containerId, script, scriptOrg, branch, launchDuration, runDuration,
 * exitCode, exitMessage, resultObject (a JSON string). Only what we use is read; other keys may come.
 */
export const ZPhantombusterWebhook = z.object({
  agentId: ZId,
  agentName: z.string().max(500).optional(),
  containerId: ZId,
  exitCode: z.number().int().optional(),
  exitMessage: z.string().max(100).optional(),
  resultObject: z.string().max(100_000).nullish(),
});
export type TPhantombusterWebhook = z.output<typeof ZPhantombusterWebhook>;

const ZContainer = z.object({ id: ZId, agentId: ZId, status: z.string().max(40) });
const ZResultObject = z.object({ resultObject: z.string().max(100_000).nullish() });
/** What a Phantom's result object holds: the URLs of its result files. */
const ZResultFiles = z.object({ csvURL: z.string().max(2_000).optional() });

const MAX_API_BYTES = 256 * 1024;

export interface PhantombusterApi {
  /** The container (one run) as Phantombuster's API knows it, under the source's API key. */
  container(apiKey: string, containerId: string): Promise<z.output<typeof ZContainer>>;
  /** The run's result object, or null. */
  resultObject(apiKey: string, containerId: string): Promise<string | null>;
  /** Downloads a result file (guarded: HTTPS, public addresses only, no redirects, size-capped). */
  download(url: string, maxBytes: number): Promise<Buffer>;
}

export function createPhantombusterApi(options: { http: OutboundClient; baseUrl: string }): PhantombusterApi {
  const get = async (apiKey: string, path: string) => {
    const response = await options.http.request({
      method: 'GET',
      url: `${options.baseUrl}${path}`,
      headers: { 'x-phantombuster-key-1': apiKey, accept: 'application/json' },
      breakerKey: 'phantombuster',
      maxBytes: MAX_API_BYTES,
    });
    return JSON.parse(response.body.toString('utf8')) as unknown;
  };
  return {
    async container(apiKey, containerId) {
      return ZContainer.parse(
        await get(apiKey, `/api/v2/containers/fetch?id=${encodeURIComponent(containerId)}`),
      );
    },
    async resultObject(apiKey, containerId) {
      const parsed = ZResultObject.parse(
        await get(apiKey, `/api/v2/containers/fetch-result-object?id=${encodeURIComponent(containerId)}`),
      );
      return parsed.resultObject ?? null;
    },
    async download(url, maxBytes) {
      const response = await options.http.request({
        method: 'GET',
        url,
        guarded: true,
        breakerKey: 'phantombuster-results',
        maxBytes,
      });
      return response.body;
    },
  };
}

/**
 * The result CSV's URL from a result object, when it is on one of Phantombuster's hosts; else undefined
 * (a result object is the agent's own output, so its URLs are not trusted as they are).
 */
export function resultCsvUrl(resultObject: string | null, allowedHosts: readonly string[]): URL | undefined {
  if (!resultObject) return undefined;
  let files: z.output<typeof ZResultFiles>;
  try {
    const parsed = ZResultFiles.safeParse(JSON.parse(resultObject));
    if (!parsed.success) return undefined;
    files = parsed.data;
  } catch {
    return undefined;
  }
  if (!files.csvURL || !URL.canParse(files.csvURL)) return undefined;
  const url = new URL(files.csvURL);
  if (url.username || url.password) return undefined;
  const hosts = new Set(allowedHosts.map((host) => host.toLowerCase()));
  return hosts.has(url.host.toLowerCase()) ? url : undefined;
}
