import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Lemlist on loopback speaking the API as Leadline uses it: `GET /api/team` and
 * `POST /api/campaigns/{campaignId}/leads/{email}` (adds the lead; a lead the campaign already has is
 * refused with 400 "Lead already in the campaign"), authenticated by HTTP Basic with an empty user and the
 * API key as the password. Past 20 requests per 2 s per key it answers 429 with Retry-After and the
 * X-RateLimit-* headers; `failNext` injects outages. It can also post activities (the webhook payload
 * Lemlist sends: the activity object) to a URL.
 */
export interface RecordedLemlistRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
}

export interface LemlistActivityInput {
  type: string;
  leadEmail: string;
  campaignId: string;
  campaignName?: string;
  sequenceStep?: number;
  _id?: string;
  createdAt?: string;
}

const LIMIT = 20;
const WINDOW_MS = 2_000;

export class FakeLemlist {
  readonly requests: RecordedLemlistRequest[] = [];
  /** Leads per campaign id, by e-mail. */
  readonly campaigns = new Map<string, Map<string, { _id: string; email: string; [key: string]: unknown }>>();
  readonly apiKeys: Set<string>;
  tooManyRequests = 0;
  private failures = { count: 0, status: 500 };
  private throttled = 0;
  private readonly windows = new Map<string, number[]>();
  private server: Server | undefined;
  url = '';
  hostPort = '';

  constructor(options: { apiKeys?: string[] } = {}) {
    this.apiKeys = new Set(options.apiKeys ?? ['lemlist-test-key-0001']);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.send(res, 500, { message: String(error) }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.hostPort = `127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Answers the next `count` API calls with this status (an outage). */
  failNext(count: number, status = 503): void {
    this.failures = { count, status };
  }

  /** Answers the next `count` calls 429 (as if another client spent the key's window). */
  throttleNext(count: number): void {
    this.throttled = count;
  }

  leadsOf(campaignId: string): string[] {
    return [...(this.campaigns.get(campaignId)?.keys() ?? [])];
  }

  /** The webhook payload Lemlist posts for an activity. */
  static activity(input: LemlistActivityInput): Record<string, unknown> {
    return {
      _id: input._id ?? `act_${randomBytes(8).toString('hex')}`,
      type: input.type,
      isFirst: true,
      createdAt: input.createdAt ?? new Date().toISOString(),
      teamId: 'tea_fake',
      leadEmail: input.leadEmail,
      leadFirstName: 'Lead',
      campaignId: input.campaignId,
      campaignName: input.campaignName ?? 'Outreach',
      sequenceStep: input.sequenceStep ?? 0,
      sendUserEmail: 'sales@example.com',
      ...(input.type === 'emailsReplied'
        ? { text: 'Sounds interesting', messagePreview: 'Sounds interesting' }
        : {}),
    };
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private keyOf(req: IncomingMessage): string | undefined {
    const match = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (!match?.[1]) return undefined;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    return decoded.startsWith(':') ? decoded.slice(1) : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    const url = new URL(req.url ?? '/', 'http://fake');
    const record = (status: number) =>
      this.requests.push({ method: req.method ?? '', path: url.pathname, body, status });

    const key = this.keyOf(req);
    if (!key || !this.apiKeys.has(key)) {
      record(401);
      return this.send(res, 401, { message: 'Unauthorized' });
    }
    const now = Date.now();
    const window = (this.windows.get(key) ?? []).filter((at) => at > now - WINDOW_MS);
    this.windows.set(key, window);
    if (this.throttled > 0 || window.length >= LIMIT) {
      if (this.throttled > 0) this.throttled--;
      this.tooManyRequests++;
      record(429);
      return this.send(
        res,
        429,
        { message: 'Too many requests' },
        {
          'retry-after': '1',
          'x-ratelimit-limit': String(LIMIT),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': new Date(now + WINDOW_MS).toISOString(),
        },
      );
    }
    window.push(now);
    if (this.failures.count > 0) {
      this.failures.count--;
      record(this.failures.status);
      return this.send(res, this.failures.status, { message: 'Service unavailable' });
    }
    const headers = {
      'x-ratelimit-limit': String(LIMIT),
      'x-ratelimit-remaining': String(LIMIT - window.length),
    };

    if (req.method === 'GET' && url.pathname === '/api/team') {
      record(200);
      return this.send(res, 200, { _id: 'tea_fake', name: 'Fake team', userIds: ['usr_fake'] }, headers);
    }
    const lead = /^\/api\/campaigns\/([^/]+)\/leads\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && lead?.[1] && lead[2]) {
      const campaignId = decodeURIComponent(lead[1]);
      const email = decodeURIComponent(lead[2]).toLowerCase();
      if (!/^cam_[A-Za-z0-9]+$/.test(campaignId)) {
        record(404);
        return this.send(res, 404, { message: 'Campaign not found' });
      }
      const leads = this.campaigns.get(campaignId) ?? new Map();
      this.campaigns.set(campaignId, leads);
      if (leads.has(email)) {
        record(400);
        return this.send(res, 400, 'Lead already in the campaign');
      }
      const created = {
        _id: `lea_${randomBytes(8).toString('hex')}`,
        email,
        ...(typeof body === 'object' && body !== null ? body : {}),
        campaignId,
        isPaused: false,
      };
      leads.set(email, created);
      record(200);
      return this.send(res, 200, created, headers);
    }
    record(404);
    return this.send(res, 404, { message: 'Not found' });
  }
}
