import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Postmark as Leadline meets it. `FakePostmark` is the e-mail API (`POST /email` with
 * X-Postmark-Server-Token; answers `{ To, SubmittedAt, MessageID, ErrorCode: 0, Message: "OK" }`, or
 * ErrorCode 10 / 401 for a bad token). `postmarkEvent` builds the outbound webhook payloads per RecordType
 * as Postmark sends them (shapes from Postmark's webhook docs and django-anymail's tests).
 */
export interface SentPostmarkMail {
  From: string;
  To: string;
  Subject: string;
  TextBody: string;
  MessageStream: string;
  MessageID: string;
}

export class FakePostmark {
  readonly sent: SentPostmarkMail[] = [];
  private server: Server | undefined;
  private failures = 0;
  url = '';
  hostPort = '';

  constructor(readonly serverToken = 'postmark-server-token-0001') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => this.send(res, 500, { ErrorCode: 500, Message: 'Internal' }));
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

  failNext(count: number): void {
    this.failures = count;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/email')
      return this.send(res, 404, { ErrorCode: 404, Message: 'Not found' });
    if (req.headers['x-postmark-server-token'] !== this.serverToken) {
      return this.send(res, 401, { ErrorCode: 10, Message: 'Bad or missing Server API token.' });
    }
    if (this.failures > 0) {
      this.failures--;
      return this.send(res, 503, { ErrorCode: 503, Message: 'Service unavailable' });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<SentPostmarkMail, 'MessageID'>;
    const MessageID = randomUUID();
    this.sent.push({ ...body, MessageID });
    return this.send(res, 200, {
      To: body.To,
      SubmittedAt: new Date().toISOString(),
      MessageID,
      ErrorCode: 0,
      Message: 'OK',
    });
  }
}

export type PostmarkRecordType =
  | 'Delivery'
  | 'Bounce'
  | 'SpamComplaint'
  | 'Open'
  | 'Click'
  | 'SubscriptionChange';

/** A Postmark webhook payload of one RecordType about `email`. */
export function postmarkEvent(
  recordType: PostmarkRecordType,
  email: string,
  options: { messageId?: string; typeCode?: number; suppressSending?: boolean; reason?: string } = {},
): Record<string, unknown> {
  const MessageID = options.messageId ?? randomUUID();
  const common = { MessageID, ServerID: 23, MessageStream: 'outbound', Tag: 'welcome', Metadata: {} };
  switch (recordType) {
    case 'Delivery':
      return {
        RecordType: 'Delivery',
        ...common,
        Recipient: email,
        DeliveredAt: '2026-12-07T13:28:10.2735393-04:00',
        Details: 'Test delivery webhook details',
      };
    case 'Bounce':
    case 'SpamComplaint': {
      const typeCode = options.typeCode ?? (recordType === 'Bounce' ? 1 : 512);
      return {
        RecordType: recordType,
        ID: 901542550,
        Type: recordType === 'SpamComplaint' ? 'SpamComplaint' : typeCode === 1 ? 'HardBounce' : 'SoftBounce',
        TypeCode: typeCode,
        ...common,
        Name: recordType === 'SpamComplaint' ? 'Spam complaint' : 'Hard bounce',
        Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
        Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
        Email: email,
        From: 'sender@example.com',
        BouncedAt: '2026-12-07T16:28:50.3963933-04:00',
        DumpAvailable: true,
        Inactive: true,
        CanActivate: true,
        Subject: 'Postmark event test',
        Content: '...',
      };
    }
    case 'Open':
      return {
        RecordType: 'Open',
        ...common,
        FirstOpen: true,
        Client: { Name: 'Chrome 35.0.1916.153', Company: 'Google', Family: 'Chrome' },
        OS: { Name: 'OS X 10.7 Lion', Company: 'Apple Computer, Inc.', Family: 'OS X 10' },
        Platform: 'WebMail',
        UserAgent: 'Mozilla/5.0',
        ReadSeconds: 5,
        Geo: {},
        ReceivedAt: '2026-12-07T16:33:54.9070259Z',
        Recipient: email,
      };
    case 'Click':
      return {
        RecordType: 'Click',
        ...common,
        ClickLocation: 'HTML',
        Client: { Name: 'Chrome 35.0.1916.153', Company: 'Google', Family: 'Chrome' },
        OS: { Name: 'OS X 10.7 Lion', Company: 'Apple Computer, Inc.', Family: 'OS X 10' },
        Platform: 'Desktop',
        UserAgent: 'Mozilla/5.0',
        OriginalLink: 'https://example.com',
        Geo: {},
        ReceivedAt: '2026-12-07T16:34:54.9070259Z',
        Recipient: email,
      };
    case 'SubscriptionChange':
      return {
        RecordType: 'SubscriptionChange',
        ...common,
        ChangedAt: '2026-12-07T10:53:34.416071Z',
        Recipient: email,
        Origin: 'Recipient',
        SuppressSending: options.suppressSending ?? true,
        SuppressionReason: options.reason ?? 'ManualSuppression',
      };
  }
}
