import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of Meta's WhatsApp Cloud API (Graph) on 127.0.0.1, speaking its wire format (protocols.md §1):
 *
 * - `POST /{version}/{phone-number-id}/messages`: text and template sends (answer: contacts + a unique
 *   wamid) and mark-as-read (`{"success":true}`); a wrong token or body shape gets Meta's error envelope.
 * - `GET /{version}/{media-id}`: media metadata (url, mime_type, sha256, file_size, id).
 * - `GET /media-download/{media-id}`: the media bytes (Bearer required), at the URL the metadata names.
 * - `GET /{version}/{waba-id}/message_templates`: the account's templates in Meta's shape
 *   (`{data:[{name,language,status,category,id,components}], paging:{cursors:{before,after}, next?}}`),
 *   paged by `limit` and `after`.
 *
 * - `POST /{version}/{phone-number-id}/media`: a multipart upload (parsed as multipart/form-data by the
 *   platform's own parser: `messaging_product=whatsapp`, `type`, `file` with a file name), answered
 *   `{"id": media id}`; a missing field or a type that is not the file's gets Meta's error 100. The file
 *   is then readable like inbound media (`GET /{version}/{media-id}`) and listed by `uploads()`.
 * - Document (`document{id|link, filename, caption}`), image (`image{id|link, caption}`) and interactive reply-button messages
 *   (`interactive{type:"button", body{text}, action{buttons[{type:"reply", reply{id,title}}]}}`, 1–3
 *   buttons, ids ≤ 256 characters and unique, titles ≤ 20) are checked like Meta does.
 * - `GET /{version}/{phone-number-id}`: the number (id, display_phone_number, verified_name), answered
 *   only to the token that controls it (`addPhoneNumber`); any other valid token gets Meta's error 100.
 *
 * Every request is recorded (`requests`, `sends()`); `fail()` scripts failures for the next calls, or
 * for one recipient only: 429 with Retry-After, any Graph error code, 500, a hang, malformed JSON.
 * With `deliverStatuses()`, each accepted send is followed, like Meta does, by a signed `sent` status
 * webhook echoing the send's `biz_opaque_callback_data`, redelivered until answered 200.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** W3C trace context the caller propagated (tracing tests). */
  traceparent: string | undefined;
  body: Record<string, unknown> | undefined;
  at: number;
}

export type ScriptedFailure =
  | { kind: 'http-429'; retryAfterSeconds?: number }
  | { kind: 'graph-error'; code: number; httpStatus?: number; title?: string; retryAfterSeconds?: number }
  | { kind: 'http-500' }
  /** Waits this long before answering normally (longer than the client's timeout: the client gives up). */
  | { kind: 'hang'; ms: number }
  | { kind: 'malformed-json' }
  /** The send is accepted (a wamid, a status webhook) but the connection drops before the answer. */
  | { kind: 'lost-answer' };

export interface FakeUpload {
  id: string;
  phoneNumberId: string;
  body: Buffer;
  mimeType: string;
  filename: string;
}

export interface FakeMedia {
  body: Buffer;
  mimeType: string;
  /** Defaults to the body's real SHA-256; set it wrong to test verification. */
  sha256?: string;
  /** Overrides the download URL the metadata returns (e.g. a private address for SSRF tests). */
  url?: string;
}

export interface FakeTemplate {
  name: string;
  language: string;
  status: 'APPROVED' | 'PENDING' | 'REJECTED' | 'PAUSED' | 'DISABLED';
  category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';
  components: Array<Record<string, unknown>>;
}

export interface FakeGraphApi {
  readonly url: string;
  /** `127.0.0.1:port`, the value for OUTBOUND_ALLOW_PRIVATE_HOSTS. */
  readonly hostPort: string;
  readonly accessToken: string;
  readonly requests: RecordedRequest[];
  /** Message sends (text/template), oldest first; mark-as-read excluded. */
  sends(): RecordedRequest[];
  /** Mark-as-read calls, oldest first. */
  readReceipts(): RecordedRequest[];
  /** The next `times` message calls (or those to `recipient`) fail this way. */
  fail(failure: ScriptedFailure, options?: { times?: number; recipient?: string }): void;
  addMedia(id: string, media: FakeMedia): void;
  /** Files uploaded through the media endpoint, oldest first. */
  uploads(): FakeUpload[];
  /** The next `times` media uploads fail this way (sends are scripted separately, by `fail`). */
  failUploads(failure: ScriptedFailure, times?: number): void;
  /** Replaces a business account's message templates (every account starts with none). */
  setTemplates(wabaId: string, templates: FakeTemplate[]): void;
  /** The next successful send answers with this wamid (so a test can file a status for it first). */
  queueWamid(wamid: string): void;
  /** Another access token this Graph API accepts (it controls only the numbers added for it). */
  addToken(token: string): void;
  /** A business phone number that `token` (default: `accessToken`) controls. */
  addPhoneNumber(id: string, options?: { token?: string; displayPhoneNumber?: string }): void;
  /**
   * After each accepted send, posts Meta's `sent` status webhook (signed with `appSecret`) to `url`,
   * retrying until it is answered 200; undefined stops. `delayMs` holds each first delivery back.
   */
  deliverStatuses(target: { url: string; appSecret: string; delayMs?: number } | undefined): void;
  /** Status webhooks accepted by the target so far. */
  statusesDelivered(): number;
  reset(): void;
  close(): Promise<void>;
}

const TITLES: Record<number, string> = {
  4: 'Application request limit reached',
  80007: 'Rate limit issues',
  130429: 'Rate limit hit',
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  131049: 'This message was not delivered to maintain healthy ecosystem engagement.',
  131056: '(Business Account, Consumer Account) pair rate limit hit',
  131057: 'Account in maintenance mode',
};

interface Script {
  failure: ScriptedFailure;
  remaining: number;
  recipient: string | undefined;
}

function graphError(code: number, message: string, details = message, type = 'OAuthException') {
  return {
    error: {
      message: `(#${code}) ${message}`,
      type,
      code,
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: `A${randomBytes(8).toString('base64url')}`,
    },
  };
}

export async function startFakeGraphApi(
  options: {
    accessToken?: string;
    /** Each message send is answered this long after it arrives (Meta's own answer time; 0 by default). */
    answerDelayMs?: number;
  } = {},
): Promise<FakeGraphApi> {
  const accessToken = options.accessToken ?? `EAAG${randomBytes(12).toString('hex')}`;
  const requests: RecordedRequest[] = [];
  const media = new Map<string, FakeMedia>();
  const templates = new Map<string, Array<FakeTemplate & { id: string }>>();
  let scripts: Script[] = [];
  let uploadScripts: Script[] = [];
  const uploads: FakeUpload[] = [];
  let wamidCounter = 0;
  const queuedWamids: string[] = [];
  let baseUrl = '';
  const tokens = new Set([accessToken]);
  const phoneNumbers = new Map<string, { token: string; displayPhoneNumber: string }>();
  let statusTarget: { url: string; appSecret: string; delayMs?: number } | undefined;
  let statusesDelivered = 0;
  let closing = false;
  const deliveries = new Set<Promise<void>>();

  // Meta's `sent` status for an accepted send; delivered again and again until answered 200.
  const queueStatus = (phoneNumberId: string, wamid: string, body: Record<string, unknown>) => {
    const target = statusTarget;
    if (!target) return;
    const status: Record<string, unknown> = {
      id: wamid,
      status: 'sent',
      timestamp: String(Math.floor(Date.now() / 1000)),
      recipient_id: typeof body.to === 'string' ? body.to.replace(/^\+/, '') : undefined,
    };
    if (typeof body.biz_opaque_callback_data === 'string') {
      status.biz_opaque_callback_data = body.biz_opaque_callback_data;
    }
    const payload = Buffer.from(
      JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            changes: [
              {
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
                  statuses: [status],
                },
                field: 'messages',
              },
            ],
          },
        ],
      }),
    );
    const signature = `sha256=${createHmac('sha256', target.appSecret).update(payload).digest('hex')}`;
    const deliver = async () => {
      if (target.delayMs) await new Promise((resolve) => setTimeout(resolve, target.delayMs));
      const giveUpAt = Date.now() + 300_000;
      // Like Meta: again and again, less and less often.
      for (let pause = 250; !closing && Date.now() < giveUpAt; pause = Math.min(pause * 2, 4_000)) {
        const ok = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
          body: payload,
          signal: AbortSignal.timeout(5_000),
        })
          .then(async (response) => {
            await response.arrayBuffer();
            return response.status === 200;
          })
          .catch(() => false);
        if (ok) {
          statusesDelivered++;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    };
    const delivery = deliver();
    deliveries.add(delivery);
    void delivery.finally(() => deliveries.delete(delivery));
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const takeScript = (recipient: string | undefined): Script | undefined => {
    const script = scripts.find(
      (s) => s.remaining > 0 && (s.recipient === undefined || s.recipient === recipient),
    );
    if (script) script.remaining -= 1;
    scripts = scripts.filter((s) => s.remaining > 0);
    return script;
  };

  const applyFailure = async (res: ServerResponse, failure: ScriptedFailure): Promise<boolean> => {
    switch (failure.kind) {
      case 'http-429':
        json(res, 429, graphError(4, TITLES[4] ?? ''), retryAfter(failure.retryAfterSeconds));
        return true;
      case 'graph-error': {
        const title = failure.title ?? TITLES[failure.code] ?? 'Error';
        json(
          res,
          failure.httpStatus ?? 400,
          graphError(failure.code, title),
          retryAfter(failure.retryAfterSeconds),
        );
        return true;
      }
      case 'http-500':
        json(res, 500, {
          error: { message: 'An unknown error has occurred.', type: 'OAuthException', code: 1 },
        });
        return true;
      case 'hang':
        await new Promise((resolve) => setTimeout(resolve, failure.ms));
        return res.destroyed;
      case 'malformed-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"messaging_product":"whatsapp","messages":[{"id":');
        return true;
      case 'lost-answer':
        return false;
    }
  };

  const handleMessages = async (
    req: IncomingMessage,
    res: ServerResponse,
    phoneNumberId: string,
    body: Record<string, unknown>,
  ) => {
    const problem = messageShapeProblem(body);
    if (problem) return json(res, 400, graphError(100, 'Invalid parameter', problem));
    const recipient = typeof body.to === 'string' ? body.to.replace(/^\+/, '') : undefined;
    const script = takeScript(body.status === 'read' ? undefined : recipient);
    if (script && (await applyFailure(res, script.failure))) return;
    if (body.status === 'read') return json(res, 200, { success: true });
    wamidCounter += 1;
    const wamid =
      queuedWamids.shift() ??
      `wamid.${Buffer.from(`fake-${wamidCounter}-${randomBytes(6).toString('hex')}`).toString('base64')}`;
    void req;
    queueStatus(phoneNumberId, wamid, body);
    if (script?.failure.kind === 'lost-answer') {
      res.socket?.destroy();
      return;
    }
    if (options.answerDelayMs) await new Promise((resolve) => setTimeout(resolve, options.answerDelayMs));
    return json(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: recipient }],
      messages: [body.type === 'template' ? { id: wamid, message_status: 'accepted' } : { id: wamid }],
    });
  };

  const handleUpload = async (
    req: IncomingMessage,
    res: ServerResponse,
    phoneNumberId: string,
    raw: Buffer,
  ) => {
    const script = uploadScripts.find((s) => s.remaining > 0);
    if (script) {
      script.remaining -= 1;
      uploadScripts = uploadScripts.filter((s) => s.remaining > 0);
      if (await applyFailure(res, script.failure)) return;
    }
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) {
      return json(res, 400, graphError(100, 'Invalid parameter', 'multipart/form-data is required'));
    }
    let form: FormData;
    try {
      form = await new Request('http://fake.invalid/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: new Uint8Array(raw),
      }).formData();
    } catch {
      return json(res, 400, graphError(100, 'Invalid parameter', 'unreadable multipart body'));
    }
    const file = form.get('file');
    const type = form.get('type');
    if (form.get('messaging_product') !== 'whatsapp') {
      return json(res, 400, graphError(100, 'Invalid parameter', 'messaging_product must be whatsapp'));
    }
    if (typeof file === 'string' || file === null || typeof type !== 'string') {
      return json(res, 400, graphError(100, 'Invalid parameter', 'file and type are required'));
    }
    if (file.type && file.type !== type) {
      return json(res, 400, graphError(100, 'Invalid parameter', "type does not match the file's type"));
    }
    const id = String(3_000_000_000_000 + uploads.length * 7919 + Math.floor(Math.random() * 1000));
    const bytes = Buffer.from(await file.arrayBuffer());
    uploads.push({ id, phoneNumberId, body: bytes, mimeType: type, filename: file.name });
    media.set(id, { body: bytes, mimeType: type });
    return json(res, 200, { id });
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBytes = Buffer.concat(chunks);
    const raw = (req.headers['content-type'] ?? '').startsWith('multipart/') ? '' : rawBytes.toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', baseUrl);
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      authorization: req.headers.authorization,
      traceparent: typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined,
      body,
      at: Date.now(),
    });
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!tokens.has(token)) {
      return json(res, 401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
    }
    const download = /^\/media-download\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && download?.[1]) {
      const item = media.get(download[1]);
      if (!item) return json(res, 404, graphError(100, 'Unsupported get request'));
      res.writeHead(200, { 'content-type': item.mimeType, 'content-length': String(item.body.length) });
      return res.end(item.body);
    }
    const send = /^\/v\d+\.\d+\/(\d+)\/messages$/.exec(url.pathname);
    if (req.method === 'POST' && send?.[1]) {
      if (!body) return json(res, 400, graphError(100, 'Invalid parameter', 'body is not JSON'));
      return handleMessages(req, res, send[1], body);
    }
    const upload = /^\/v\d+\.\d+\/(\d+)\/media$/.exec(url.pathname);
    if (req.method === 'POST' && upload?.[1]) return handleUpload(req, res, upload[1], rawBytes);
    const templateList = /^\/v\d+\.\d+\/(\d+)\/message_templates$/.exec(url.pathname);
    if (req.method === 'GET' && templateList?.[1]) {
      const script = takeScript(undefined);
      if (script && (await applyFailure(res, script.failure))) return;
      return json(res, 200, templatePage(templates.get(templateList[1]) ?? [], url.searchParams));
    }
    const mediaInfo = /^\/v\d+\.\d+\/([^/]+)$/.exec(url.pathname);
    const number = mediaInfo?.[1] ? phoneNumbers.get(mediaInfo[1]) : undefined;
    if (req.method === 'GET' && mediaInfo?.[1] && !media.has(mediaInfo[1])) {
      // Meta's answer to a token without access to the object is the same as for no object at all.
      if (!number || number.token !== token) {
        return json(
          res,
          400,
          graphError(
            100,
            `Unsupported get request. Object with ID '${mediaInfo[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
            undefined,
            'GraphMethodException',
          ),
        );
      }
      return json(res, 200, {
        verified_name: 'Fake Business',
        display_phone_number: number.displayPhoneNumber,
        id: mediaInfo[1],
        quality_rating: 'GREEN',
      });
    }
    if (req.method === 'GET' && mediaInfo?.[1]) {
      const id = mediaInfo[1];
      const item = media.get(id);
      if (!item) return json(res, 400, graphError(100, 'Unsupported get request. Object does not exist'));
      const script = takeScript(undefined);
      if (script && (await applyFailure(res, script.failure))) return;
      return json(res, 200, {
        messaging_product: 'whatsapp',
        url: item.url ?? `${baseUrl}/media-download/${id}?ext=${randomBytes(4).toString('hex')}`,
        mime_type: item.mimeType,
        sha256: item.sha256 ?? createHash('sha256').update(item.body).digest('hex'),
        file_size: item.body.length,
        id,
      });
    }
    return json(res, 404, graphError(100, 'Unknown path components'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  const isSend = (r: RecordedRequest) => r.method === 'POST' && r.path.endsWith('/messages');
  return {
    url: baseUrl,
    hostPort: `127.0.0.1:${port}`,
    accessToken,
    requests,
    sends: () => requests.filter((r) => isSend(r) && r.body?.status !== 'read'),
    readReceipts: () => requests.filter((r) => isSend(r) && r.body?.status === 'read'),
    fail(failure, { times = 1, recipient } = {}) {
      scripts.push({ failure, remaining: times, recipient: recipient?.replace(/^\+/, '') });
    },
    addMedia(id, item) {
      media.set(id, item);
    },
    uploads: () => [...uploads],
    failUploads(failure, times = 1) {
      uploadScripts.push({ failure, remaining: times, recipient: undefined });
    },
    setTemplates(wabaId, list) {
      templates.set(
        wabaId,
        list.map((template) => ({ ...template, id: String(1_000_000_000_000 + wamidCounter++ * 7919) })),
      );
    },
    queueWamid(wamid) {
      queuedWamids.push(wamid);
    },
    addToken(token) {
      tokens.add(token);
    },
    addPhoneNumber(id, { token = accessToken, displayPhoneNumber = '+1 555 078 3881' } = {}) {
      phoneNumbers.set(id, { token, displayPhoneNumber });
    },
    deliverStatuses(target) {
      statusTarget = target;
    },
    statusesDelivered: () => statusesDelivered,
    reset() {
      requests.length = 0;
      scripts = [];
      uploadScripts = [];
      uploads.length = 0;
      queuedWamids.length = 0;
    },
    close: async () => {
      closing = true;
      await Promise.all([...deliveries]);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** One page as Meta pages edges: opaque base64 cursors; `next` only while more follow. */
function templatePage(all: Array<FakeTemplate & { id: string }>, params: URLSearchParams) {
  const limit = Math.min(Number(params.get('limit') ?? 25) || 25, 1000);
  const after = params.get('after');
  const start = after ? Number(Buffer.from(after, 'base64').toString('utf8')) + 1 : 0;
  const data = all
    .slice(start, start + limit)
    .map(({ name, language, status, category, id, components }) => ({
      name,
      language,
      status,
      category,
      id,
      components,
    }));
  const cursor = (index: number) => Buffer.from(String(index)).toString('base64');
  if (data.length === 0) return { data };
  const last = start + data.length - 1;
  return {
    data,
    paging: {
      cursors: { before: cursor(start), after: cursor(last) },
      ...(last < all.length - 1 ? { next: `https://graph.facebook.com/next?after=${cursor(last)}` } : {}),
    },
  };
}

function retryAfter(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}

/** What Meta would reject about a messages call, or undefined when the shape is right. */
function messageShapeProblem(body: Record<string, unknown>): string | undefined {
  if (body.messaging_product !== 'whatsapp') return 'messaging_product must be whatsapp';
  if (body.status === 'read') {
    return typeof body.message_id === 'string' && body.message_id.length > 0
      ? undefined
      : 'message_id is required';
  }
  if (typeof body.to !== 'string' || !/^\+?\d{6,20}$/.test(body.to)) return 'to must be a phone number';
  if (body.type === 'text') {
    const text = body.text as { body?: unknown } | undefined;
    return typeof text?.body === 'string' && text.body.length > 0 && text.body.length <= 4096
      ? undefined
      : 'text.body is required';
  }
  if (body.type === 'template') {
    const template = body.template as { name?: unknown; language?: { code?: unknown } } | undefined;
    return typeof template?.name === 'string' && typeof template.language?.code === 'string'
      ? undefined
      : 'template.name and template.language.code are required';
  }
  if (body.type === 'document') {
    const document = body.document as { id?: unknown; link?: unknown; filename?: unknown } | undefined;
    if (typeof document?.id !== 'string' && typeof document?.link !== 'string') {
      return 'document.id or document.link is required';
    }
    return document.filename === undefined || typeof document.filename === 'string'
      ? undefined
      : 'document.filename must be a string';
  }
  if (body.type === 'image') {
    const image = body.image as
      | { id?: unknown; link?: unknown; caption?: unknown; filename?: unknown }
      | undefined;
    if (typeof image?.id !== 'string' && typeof image?.link !== 'string')
      return 'image.id or image.link is required';
    if (image.filename !== undefined) return 'image has no filename';
    return image.caption === undefined || (typeof image.caption === 'string' && image.caption.length <= 1024)
      ? undefined
      : 'image.caption must be a string of at most 1024 characters';
  }
  if (body.type === 'interactive') return interactiveProblem(body.interactive);
  return 'unsupported type';
}

/** Meta's rules for reply buttons: body text, 1–3 buttons with unique ids (≤ 256) and titles (≤ 20). */
function interactiveProblem(value: unknown): string | undefined {
  const interactive = value as
    | { type?: unknown; body?: { text?: unknown }; action?: { buttons?: unknown } }
    | undefined;
  if (interactive?.type !== 'button') return 'interactive.type must be button';
  const text = interactive.body?.text;
  if (typeof text !== 'string' || text.length === 0 || text.length > 1024) {
    return 'interactive.body.text is required (at most 1024 characters)';
  }
  const buttons = interactive.action?.buttons;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) return 'one to three buttons';
  const ids = new Set<string>();
  for (const button of buttons as Array<{ type?: unknown; reply?: { id?: unknown; title?: unknown } }>) {
    const { id, title } = button.reply ?? {};
    if (button.type !== 'reply' || typeof id !== 'string' || typeof title !== 'string') {
      return 'buttons need type reply with reply.id and reply.title';
    }
    if (id.length === 0 || id.length > 256 || ids.has(id))
      return 'button ids must be unique, 1-256 characters';
    if (title.length === 0 || title.length > 20) return 'button titles must be 1-20 characters';
    ids.add(id);
  }
  return undefined;
}
