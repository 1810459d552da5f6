import { z } from 'zod';
import { OutboundError } from '../../platform/http/outbound/errors.js';
import type { OutboundClient } from '../../platform/http/outbound/outbound-client.js';
import { classifyGraphError, type GraphErrorAction } from './graph-errors.js';

/** What a Graph call needs of a channel: its number id, its opened access token, and a breaker key. */
export interface GraphChannel {
  id: string;
  phoneNumberId: string;
  accessToken: string;
}

/**
 * A failed Graph call, classified. `title` is Meta's (no token, no URL); `code` is absent for timeouts.
 * `outcomeUnknown`: the call may have taken effect at Meta although its answer was not read (a timeout,
 * a connection lost mid-request, an unreadable 2xx): a send that failed so is in doubt (ADR 0018).
 */
export class GraphApiError extends Error {
  constructor(
    readonly action: GraphErrorAction,
    readonly code: number | undefined,
    readonly title: string,
    readonly retryAfterMs: number | undefined,
    options: { cause?: unknown; outcomeUnknown?: boolean } = {},
  ) {
    super(code === undefined ? title : `Graph API error ${code}: ${title}`, { cause: options.cause });
    this.name = 'GraphApiError';
    this.outcomeUnknown = options.outcomeUnknown === true;
  }

  readonly outcomeUnknown: boolean;
}

const ZErrorEnvelope = z.object({
  error: z.object({
    code: z.number().int(),
    message: z.string().optional(),
    error_user_title: z.string().optional(),
  }),
});
const ZUploadResponse = z.object({ id: z.string().min(1).max(256) });
const ZSendResponse = z.object({ messages: z.array(z.object({ id: z.string().min(1).max(256) })).min(1) });
// GET /{phone-number-id}: answered only to a token with access to that number.
const ZPhoneNumber = z.looseObject({ id: z.string().min(1).max(64) });
const ZMediaInfo = z.object({
  url: z.string().min(1),
  mime_type: z.string().min(1).max(200),
  sha256: z.string().optional(),
  file_size: z.coerce.number().int().nonnegative().optional(),
  id: z.string(),
});
export type GraphMediaInfo = z.infer<typeof ZMediaInfo>;
// Meta's message template listing (WhatsApp Business Account > message_templates). Components vary by
// type (header formats, buttons, examples) and are passed on as Meta describes them.
const ZTemplatePage = z.object({
  data: z.array(
    z.object({
      name: z.string().min(1).max(512),
      language: z.string().min(1).max(20),
      status: z.string().min(1).max(40),
      category: z.string().max(40).optional(),
      id: z.string(),
      components: z.array(z.record(z.string(), z.unknown())).default([]),
    }),
  ),
  // `next` is there only while more pages follow; `cursors` come on the last page too.
  paging: z
    .object({ cursors: z.object({ after: z.string().optional() }).optional(), next: z.string().optional() })
    .optional(),
});
export type GraphTemplatePage = z.infer<typeof ZTemplatePage>;
/** Templates per Graph page: small enough that a page stays under the JSON size limit. */
const TEMPLATE_PAGE_SIZE = 50;

const JSON_MAX_BYTES = 256 * 1024;

/** A request body sent as is (a multipart upload), with its content type. */
class RawBody {
  constructor(
    readonly body: Buffer,
    readonly contentType: string,
  ) {}
}

function parseGraphError(body: Buffer | undefined): { code: number; title: string } | undefined {
  if (!body) return undefined;
  try {
    const parsed = ZErrorEnvelope.safeParse(JSON.parse(body.toString('utf8')));
    if (!parsed.success) return undefined;
    const { code, message, error_user_title } = parsed.data.error;
    // Meta prefixes messages with "(#code) "; the title is what remains.
    const title = (error_user_title ?? message ?? 'Graph API error')
      .replace(/^\(#\d+\)\s*/, '')
      .slice(0, 500);
    return { code, title };
  } catch {
    return undefined;
  }
}

function toGraphError(error: unknown): GraphApiError {
  if (error instanceof GraphApiError) return error;
  if (error instanceof OutboundError) {
    const meta = error.failure === 'http_status' ? parseGraphError(error.details.body) : undefined;
    if (meta) {
      return new GraphApiError(
        classifyGraphError(meta.code, error.details.status),
        meta.code,
        meta.title,
        error.details.retryAfterMs,
        {
          cause: error,
        },
      );
    }
    const action = error.retryable ? 'retry' : 'permanent';
    // An error status without Meta's envelope (a proxy's 502, say) may come after Meta acted.
    const outcomeUnknown =
      error.outcomeUnknown || (error.failure === 'http_status' && (error.details.status ?? 0) >= 500);
    return new GraphApiError(action, undefined, error.message, error.details.retryAfterMs, {
      cause: error,
      outcomeUnknown,
    });
  }
  return new GraphApiError('retry', undefined, 'Graph API call failed', undefined, {
    cause: error,
    outcomeUnknown: true,
  });
}

/** A 2xx whose body cannot be read: Meta may well have acted, so the outcome is unknown. */
function parseJson<T>(schema: z.ZodType<T>, body: Buffer, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new GraphApiError('retry', undefined, `unreadable ${what} response`, undefined, {
      cause,
      outcomeUnknown: true,
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new GraphApiError('retry', undefined, `unexpected ${what} response`, undefined, {
      outcomeUnknown: true,
    });
  }
  return parsed.data;
}

/** A file to upload: its bytes, MIME type and the file name the customer sees. */
export interface OutboundFile {
  bytes: Buffer;
  mimeType: string;
  filename: string;
}

/** Meta's multipart form for a media upload, encoded by the platform's own FormData (no hand-made bodies). */
export async function mediaUploadForm(file: OutboundFile): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  form.set('messaging_product', 'whatsapp');
  form.set('type', file.mimeType);
  form.set('file', new Blob([new Uint8Array(file.bytes)], { type: file.mimeType }), file.filename);
  const encoded = new Request('http://form.invalid/', { method: 'POST', body: form });
  const contentType = encoded.headers.get('content-type');
  if (!contentType) throw new Error('multipart form without a content type');
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType };
}

export interface GraphApiClient {
  /**
   * POSTs a message body (text or template) and returns Meta's wamid. Retried in the call only when the
   * failure proves Meta did not accept it; otherwise the error says the outcome is unknown.
   */
  sendMessage(channel: GraphChannel, body: Record<string, unknown>): Promise<{ wamid: string }>;
  /**
   * Reads the channel's phone number with its token: Meta answers only a token that controls that
   * number (proof of control, item 2 of issue 11). Resolves with Meta's id of the number.
   */
  phoneNumber(channel: GraphChannel): Promise<{ id: string }>;
  markRead(channel: GraphChannel, wamid: string): Promise<void>;
  /**
   * Uploads a file through the number's media endpoint (multipart, `messaging_product=whatsapp`) and
   * returns Meta's media id, which a document message or a template's DOCUMENT header then names. An
   * upload repeated after a lost answer only leaves an unused media item at Meta (they expire).
   */
  uploadMedia(channel: GraphChannel, file: OutboundFile): Promise<{ id: string }>;
  mediaInfo(channel: GraphChannel, mediaId: string): Promise<GraphMediaInfo>;
  /** One page of a WhatsApp Business Account's message templates (`after`: the previous page's cursor). */
  listTemplates(channel: GraphChannel, wabaId: string, after?: string): Promise<GraphTemplatePage>;
  /** Downloads media bytes from Meta's (untrusted, short-lived) URL through the SSRF guard. */
  downloadMedia(
    channel: GraphChannel,
    url: string,
    maxBytes: number,
  ): Promise<{ body: Buffer; contentType: string | undefined }>;
}

/**
 * Meta's Graph API over the shared outbound client. The base URL is operator configuration (trusted);
 * media download URLs come from Meta's answers and are treated as untrusted. Every call of a channel
 * shares that channel's circuit breaker.
 */
export function createGraphApiClient(options: {
  http: OutboundClient;
  baseUrl: string;
  version: string;
  /** In-call retries per request (default: the outbound client's); the job's own retries come on top. */
  retries?: number;
}): GraphApiClient {
  const { http } = options;
  const base = `${options.baseUrl.replace(/\/+$/, '')}/${options.version}`;
  const isRetryable = (status: number, body: Buffer) =>
    classifyGraphError(parseGraphError(body)?.code, status) === 'retry';
  // A send is repeated in the call only after Meta's own refusal to act (its error envelope) or a 429.
  const isSendRetryable = (status: number, body: Buffer) => {
    const meta = parseGraphError(body);
    return meta ? classifyGraphError(meta.code, status) === 'retry' : status === 429;
  };
  const call = async (
    channel: GraphChannel,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    send = false,
  ) => {
    const raw = body instanceof RawBody ? body : undefined;
    try {
      return await http.request({
        method,
        url: `${base}/${path}`,
        headers: {
          authorization: `Bearer ${channel.accessToken}`,
          ...(raw
            ? { 'content-type': raw.contentType }
            : body === undefined
              ? {}
              : { 'content-type': 'application/json' }),
        },
        body: raw ? raw.body : body === undefined ? undefined : JSON.stringify(body),
        breakerKey: `whatsapp:${channel.id}`,
        maxBytes: JSON_MAX_BYTES,
        isRetryable: send ? isSendRetryable : isRetryable,
        retryOnlyUnsent: send,
        retries: options.retries,
      });
    } catch (error) {
      throw toGraphError(error);
    }
  };

  return {
    async sendMessage(channel, body) {
      const response = await call(channel, 'POST', `${channel.phoneNumberId}/messages`, body, true);
      const parsed = parseJson(ZSendResponse, response.body, 'send');
      return { wamid: (parsed.messages[0] as { id: string }).id };
    },
    async phoneNumber(channel) {
      const query = new URLSearchParams({ fields: 'id,display_phone_number,verified_name' });
      const response = await call(channel, 'GET', `${encodeURIComponent(channel.phoneNumberId)}?${query}`);
      return { id: parseJson(ZPhoneNumber, response.body, 'phone number').id };
    },
    async markRead(channel, wamid) {
      await call(channel, 'POST', `${channel.phoneNumberId}/messages`, {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: wamid,
      });
    },
    async uploadMedia(channel, file) {
      const form = await mediaUploadForm(file);
      const response = await call(
        channel,
        'POST',
        `${encodeURIComponent(channel.phoneNumberId)}/media`,
        new RawBody(form.body, form.contentType),
      );
      return { id: parseJson(ZUploadResponse, response.body, 'media upload').id };
    },
    async mediaInfo(channel, mediaId) {
      const response = await call(channel, 'GET', encodeURIComponent(mediaId));
      return parseJson(ZMediaInfo, response.body, 'media');
    },
    async listTemplates(channel, wabaId, after) {
      const query = new URLSearchParams({
        fields: 'name,language,status,category,components',
        limit: String(TEMPLATE_PAGE_SIZE),
        ...(after ? { after } : {}),
      });
      const response = await call(channel, 'GET', `${encodeURIComponent(wabaId)}/message_templates?${query}`);
      return parseJson(ZTemplatePage, response.body, 'templates');
    },
    async downloadMedia(channel, url, maxBytes) {
      try {
        const response = await http.request({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${channel.accessToken}` },
          guarded: true,
          breakerKey: `whatsapp-media:${channel.id}`,
          maxBytes,
          retries: options.retries,
        });
        const type = response.headers['content-type'];
        return { body: response.body, contentType: Array.isArray(type) ? type[0] : type };
      } catch (error) {
        throw toGraphError(error);
      }
    },
  };
}
