import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A fake of Twilio on 127.0.0.1, speaking its wire protocol (protocols.md §2):
 *
 * - REST 2010-04-01 with Basic auth (AccountSid + auth token, or an API key SK... + secret):
 *   `GET /Accounts/{sid}.json`, `GET .../IncomingPhoneNumbers.json` (paged by `PageSize`, `next_page_uri`),
 *   `POST .../Calls.json` (201, `status: "queued"`), `POST .../Calls/{sid}.json` (`Status=completed`),
 *   `POST .../Messages.json` (201, `status: "queued"`). Failures in Twilio's envelope
 *   `{code, message, more_info, status}`: 20003 on bad credentials, 21211 on a bad `To`, and scripted ones
 *   (`fail()`: 429 with code 20429, 500).
 * - The call's side: `fetchTwiml()` POSTs to the call's `Url` form-encoded with the call's parameters and
 *   `X-Twilio-Signature`, as Twilio does, then checks the answer is well-formed TwiML and returns its verbs;
 *   `gather()` posts a `<Gather>` action with `Digits`; `status()` posts call-progress status callbacks
 *   (signed, with `SequenceNumber`, `I-Twilio-Idempotency-Token`), which tests may send out of order,
 *   twice, or as a retry with the same token.
 * - `beforeCallAnswer()`: holds each `POST Calls.json` answer until a test's hook has run (e.g. posted a
 *   status callback for the new call), as Twilio's callbacks can overtake its REST answer.
 * - `deliverMessageStatuses()`: each accepted `Messages.json` is followed, like Twilio does, by a signed
 *   `sent` status callback to its StatusCallback, retried until answered 2xx (it may overtake the REST
 *   answer, or arrive after the sender crashed).
 */
export interface FakeAccount {
  accountSid: string;
  authToken: string;
  apiKeys: Record<string, string>;
  friendlyName: string;
  numbers: { sid: string; phoneNumber: string; voice: boolean; sms: boolean }[];
}

export interface FakeCall {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  url: string;
  statusCallback: string | undefined;
  statusCallbackEvents: string[];
  machineDetection: string | undefined;
  timeout: string | undefined;
  createdAt: number;
  ended: boolean;
  /** The next SequenceNumber this call's status callbacks carry. */
  sequence: number;
}

export interface FakeMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | undefined;
  createdAt: number;
}

export type TwilioFailure =
  | { kind: 'http-429' }
  | { kind: 'http-500' }
  | { kind: 'error'; status: number; code: number };

/** A TwiML verb as parsed: its name, attributes, text and child verbs. */
export interface TwimlVerb {
  verb: string;
  attributes: Record<string, string>;
  text: string;
  children: TwimlVerb[];
}

export interface TwimlAnswer {
  status: number;
  contentType: string | undefined;
  xml: string;
  verbs: TwimlVerb[];
}

export interface FakeTwilio {
  readonly url: string;
  readonly hostPort: string;
  readonly accounts: Map<string, FakeAccount>;
  readonly calls: FakeCall[];
  readonly messages: FakeMessage[];
  /** Every REST request, in arrival order, with its arrival time (performance.now()). */
  readonly requests: { method: string; path: string; at: number }[];
  addAccount(overrides?: Partial<FakeAccount>): FakeAccount;
  fail(...failures: TwilioFailure[]): void;
  /** Runs `hook` for each created call before its Calls.json answer is sent (undefined: answer at once). */
  beforeCallAnswer(hook: ((call: FakeCall) => Promise<void>) | undefined): void;
  /** Sends a `sent` status callback for every message accepted from now on (false: stops). */
  deliverMessageStatuses(on: boolean): void;
  /** Message status callbacks answered 2xx so far (by `deliverMessageStatuses`). */
  messageStatusesDelivered(): number;
  /** Resolves when `count` calls have been created (or rejects after `timeoutMs`). */
  waitForCalls(count: number, timeoutMs?: number): Promise<FakeCall[]>;
  waitForMessages(count: number, timeoutMs?: number): Promise<FakeMessage[]>;
  fetchTwiml(call: FakeCall, extra?: Record<string, string>): Promise<TwimlAnswer>;
  /** Posts to a TwiML action URL (a <Gather> or <Dial> action) with the call's parameters and `extra`. */
  postAction(call: FakeCall, url: string, extra: Record<string, string>): Promise<TwimlAnswer>;
  status(
    call: FakeCall,
    callStatus: string,
    options?: {
      extra?: Record<string, string>;
      sequenceNumber?: number;
      idempotencyToken?: string;
      url?: string;
    },
  ): Promise<{ status: number; body: string; sequenceNumber: number; idempotencyToken: string }>;
  /**
   * Posts an inbound SMS to `url` as Twilio does (signed, form-encoded, with an I-Twilio-Idempotency-Token
   * that a retry repeats: pass the same `messageSid` and `idempotencyToken` to send a duplicate).
   */
  inboundSms(
    account: FakeAccount,
    url: string,
    sms: { from: string; to: string; body: string; messageSid?: string; idempotencyToken?: string },
  ): Promise<{ status: number; body: string; contentType: string | undefined; messageSid: string }>;
  /** Posts a status callback of a sent message to its StatusCallback (in whatever order a test likes). */
  messageStatus(
    message: FakeMessage,
    status: string,
    options?: { errorCode?: string },
  ): Promise<{ status: number; body: string }>;
  /** Posts any form with a valid signature (or `signature`) to `url`. */
  signedPost(
    url: string,
    params: Record<string, string | string[]>,
    options?: { authToken?: string; signature?: string; headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; body: string; contentType: string | undefined }>;
  close(): Promise<void>;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
export const twilioSid = (prefix: string) => `${prefix}${hex(16)}`;

/** Twilio's algorithm, written again here so the fake does not trust the code under test. */
export function signTwilio(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name] ?? '';
    for (const each of Array.isArray(value) ? [...new Set(value)].sort() : [value]) data += name + each;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * An inbound SMS webhook as Twilio posts it: its parameters, the signed form and the idempotency token a
 * retry repeats (for senders of their own, such as the crash test).
 */
export function inboundSmsRequest(
  account: Pick<FakeAccount, 'accountSid' | 'authToken'>,
  url: string,
  sms: { from: string; to: string; body: string; messageSid?: string; idempotencyToken?: string },
): {
  messageSid: string;
  idempotencyToken: string;
  params: Record<string, string>;
  headers: Record<string, string>;
  body: string;
} {
  const messageSid = sms.messageSid ?? twilioSid('SM');
  const idempotencyToken = sms.idempotencyToken ?? `${messageSid}-${hex(4)}`;
  const params = {
    ToCountry: 'IT',
    SmsMessageSid: messageSid,
    NumMedia: '0',
    SmsSid: messageSid,
    SmsStatus: 'received',
    Body: sms.body,
    To: sms.to,
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: account.accountSid,
    From: sms.from,
    ApiVersion: '2010-04-01',
  };
  return {
    messageSid,
    idempotencyToken,
    params,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilio(account.authToken, url, params),
      'i-twilio-idempotency-token': idempotencyToken,
      'user-agent': 'TwilioProxy/1.1',
    },
    body: encodeForm(params),
  };
}

function encodeForm(params: Record<string, string | string[]>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const each of Array.isArray(value) ? value : [value]) form.append(name, each);
  }
  return form.toString();
}

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  trimValues: true,
  parseTagValue: false,
  parseAttributeValue: false,
});

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

function toVerbs(nodes: Ordered[]): TwimlVerb[] {
  const verbs: TwimlVerb[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((key) => key !== ':@');
    if (!name || name === '#text' || name === '?xml') continue;
    const children = (node[name] as Ordered[]) ?? [];
    const text = children
      .filter((child) => '#text' in child)
      .map((child) => String(child['#text']))
      .join('');
    verbs.push({ verb: name, attributes: { ...(node[':@'] ?? {}) }, text, children: toVerbs(children) });
  }
  return verbs;
}

/** Checks the answer is TwiML (well-formed XML with one <Response> root) and returns its verbs. */
export function parseTwiml(xml: string): TwimlVerb[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`TwiML is not well-formed XML: ${valid.err.msg}`);
  const roots = toVerbs(xmlParser.parse(xml) as Ordered[]);
  const [root] = roots;
  if (roots.length !== 1 || root?.verb !== 'Response') throw new Error('TwiML must have one <Response> root');
  return root.children;
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const accounts = new Map<string, FakeAccount>();
  const calls: FakeCall[] = [];
  const messages: FakeMessage[] = [];
  const requests: { method: string; path: string; at: number }[] = [];
  const failures: TwilioFailure[] = [];
  let holdCallAnswer: ((call: FakeCall) => Promise<void>) | undefined;
  let statusesOn = false;
  let statusesDelivered = 0;
  let closing = false;
  const deliveries = new Set<Promise<void>>();
  const waiters: (() => void)[] = [];
  const notify = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };

  const sendError = (res: ServerResponse, status: number, code: number, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
    );
  };

  const authenticate = (req: IncomingMessage, accountSid: string): FakeAccount | undefined => {
    const account = accounts.get(accountSid);
    const header = req.headers.authorization ?? '';
    if (!account || !header.startsWith('Basic ')) return undefined;
    const [user, password] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    if (user === account.accountSid && password === account.authToken) return account;
    if (user && account.apiKeys[user] === password) return account;
    return undefined;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push({ method: req.method ?? '', path: url.pathname, at: performance.now() });
      const match = /^\/2010-04-01\/Accounts\/([A-Za-z0-9]+)(\.json|\/.*)$/.exec(url.pathname);
      if (!match?.[1]) return sendError(res, 404, 20404, 'The requested resource was not found');
      const account = authenticate(req, match[1]);
      if (!account) return sendError(res, 401, 20003, 'Authenticate');
      const failure = failures.shift();
      if (failure?.kind === 'http-429') return sendError(res, 429, 20429, 'Too Many Requests');
      if (failure?.kind === 'http-500') return sendError(res, 500, 20500, 'Internal Server Error');
      if (failure?.kind === 'error') return sendError(res, failure.status, failure.code, 'Scripted error');
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const rest = match[2] ?? '';
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const base = `/2010-04-01/Accounts/${account.accountSid}`;
      if (req.method === 'GET' && rest === '.json') {
        return json(200, {
          sid: account.accountSid,
          friendly_name: account.friendlyName,
          status: 'active',
          type: 'Full',
          uri: `${base}.json`,
        });
      }
      if (req.method === 'GET' && rest === '/IncomingPhoneNumbers.json') {
        const size = Number(url.searchParams.get('PageSize') ?? 50);
        const page = Number(url.searchParams.get('Page') ?? 0);
        const slice = account.numbers.slice(page * size, (page + 1) * size);
        const more = (page + 1) * size < account.numbers.length;
        return json(200, {
          incoming_phone_numbers: slice.map((number) => ({
            sid: number.sid,
            account_sid: account.accountSid,
            phone_number: number.phoneNumber,
            friendly_name: number.phoneNumber,
            capabilities: { voice: number.voice, sms: number.sms, mms: false, fax: false },
          })),
          page,
          page_size: size,
          next_page_uri: more ? `${base}/IncomingPhoneNumbers.json?PageSize=${size}&Page=${page + 1}` : null,
        });
      }
      if (req.method === 'POST' && rest === '/Calls.json') {
        const to = form.get('To') ?? '';
        if (!/^\+[1-9][0-9]{6,14}$/.test(to)) return sendError(res, 400, 21211, `Invalid 'To' Phone Number`);
        if (!form.get('Url') && !form.get('Twiml'))
          return sendError(res, 400, 21205, 'Url parameter is required');
        const call: FakeCall = {
          sid: twilioSid('CA'),
          accountSid: account.accountSid,
          to,
          from: form.get('From') ?? '',
          url: form.get('Url') ?? '',
          statusCallback: form.get('StatusCallback') ?? undefined,
          statusCallbackEvents: form.getAll('StatusCallbackEvent'),
          machineDetection: form.get('MachineDetection') ?? undefined,
          timeout: form.get('Timeout') ?? undefined,
          createdAt: performance.now(),
          ended: false,
          sequence: 0,
        };
        calls.push(call);
        notify();
        const answer = () =>
          json(201, {
            sid: call.sid,
            account_sid: account.accountSid,
            to: call.to,
            from: call.from,
            status: 'queued',
            direction: 'outbound-api',
            start_time: null,
            price: null,
            queue_time: '0',
            uri: `${base}/Calls/${call.sid}.json`,
            subresource_uris: {},
          });
        if (!holdCallAnswer) return answer();
        holdCallAnswer(call).then(answer, answer);
        return;
      }
      const callMatch = /^\/Calls\/(CA[0-9a-f]{32})\.json$/.exec(rest);
      if (req.method === 'POST' && callMatch) {
        const call = calls.find((each) => each.sid === callMatch[1]);
        if (!call) return sendError(res, 404, 20404, 'The requested resource was not found');
        if (form.get('Status') === 'completed' || form.get('Status') === 'canceled') call.ended = true;
        return json(200, { sid: call.sid, status: call.ended ? 'completed' : 'in-progress' });
      }
      if (req.method === 'POST' && rest === '/Messages.json') {
        const to = form.get('To') ?? '';
        if (!/^\+[1-9][0-9]{6,14}$/.test(to)) return sendError(res, 400, 21211, `Invalid 'To' Phone Number`);
        const message: FakeMessage = {
          sid: twilioSid('SM'),
          accountSid: account.accountSid,
          to,
          from: form.get('From') ?? '',
          body: form.get('Body') ?? '',
          statusCallback: form.get('StatusCallback') ?? undefined,
          createdAt: performance.now(),
        };
        messages.push(message);
        notify();
        if (statusesOn) queueMessageStatus(message);
        return json(201, { sid: message.sid, status: 'queued', to, from: message.from, body: message.body });
      }
      return sendError(res, 404, 20404, 'The requested resource was not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const test = () => {
        const value = check();
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else {
          waiters.push(test);
        }
      };
      test();
    });

  const callParams = (call: FakeCall, callStatus: string): Record<string, string> => ({
    AccountSid: call.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: call.sid,
    CallStatus: callStatus,
    Called: call.to,
    Caller: call.from,
    Direction: 'outbound-api',
    From: call.from,
    To: call.to,
    ToCountry: 'IT',
    CalledCity: 'São Paulo',
  });

  const signedPost: FakeTwilio['signedPost'] = async (url, params, options = {}) => {
    const account = [...accounts.values()][0];
    const token = options.authToken ?? account?.authToken ?? '';
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': options.signature ?? signTwilio(token, url, params),
        'user-agent': 'TwilioProxy/1.1',
        ...options.headers,
      },
      body: options.body ?? encodeForm(params),
    });
    return {
      status: response.status,
      body: await response.text(),
      contentType: response.headers.get('content-type') ?? undefined,
    };
  };

  const postMessageStatus: FakeTwilio['messageStatus'] = async (message, status, options = {}) => {
    if (!message.statusCallback) throw new Error('the message has no StatusCallback');
    const account = accounts.get(message.accountSid);
    if (!account) throw new Error('unknown account');
    const params: Record<string, string> = {
      AccountSid: message.accountSid,
      From: message.from,
      To: message.to,
      MessageSid: message.sid,
      SmsSid: message.sid,
      MessageStatus: status,
      SmsStatus: status,
      ApiVersion: '2010-04-01',
      ...(options.errorCode ? { ErrorCode: options.errorCode } : {}),
      // The carrier's delivery report time (YYMMDDhhmm, UTC) on delivered and undelivered SMS.
      ...(status === 'delivered' || status === 'undelivered'
        ? { RawDlrDoneDate: new Date().toISOString().replace(/[-:T]/g, '').slice(2, 12) }
        : {}),
    };
    const answer = await signedPost(message.statusCallback, params, {
      authToken: account.authToken,
      headers: { 'i-twilio-idempotency-token': `${message.sid}-${status}-${hex(4)}` },
    });
    return { status: answer.status, body: answer.body };
  };

  // Twilio's `sent` callback for an accepted message, retried (less and less often) until answered 2xx.
  const queueMessageStatus = (message: FakeMessage) => {
    const deliver = async () => {
      const giveUpAt = Date.now() + 300_000;
      for (let pause = 250; !closing && Date.now() < giveUpAt; pause = Math.min(pause * 2, 4_000)) {
        const answer = await postMessageStatus(message, 'sent').catch(() => undefined);
        if (answer && answer.status >= 200 && answer.status < 300) {
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

  const tokenOf = (call: FakeCall) => accounts.get(call.accountSid)?.authToken ?? '';

  const twimlAt = async (
    call: FakeCall,
    url: string,
    params: Record<string, string>,
  ): Promise<TwimlAnswer> => {
    const answer = await signedPost(url, params, { authToken: tokenOf(call) });
    if (answer.status !== 200)
      return { status: answer.status, contentType: answer.contentType, xml: answer.body, verbs: [] };
    if (!answer.contentType?.startsWith('text/xml') && !answer.contentType?.startsWith('application/xml')) {
      throw new Error(`TwiML answered as ${answer.contentType}`);
    }
    return {
      status: answer.status,
      contentType: answer.contentType,
      xml: answer.body,
      verbs: parseTwiml(answer.body),
    };
  };

  return {
    url: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    accounts,
    calls,
    messages,
    requests,
    addAccount(overrides = {}) {
      const account: FakeAccount = {
        accountSid: twilioSid('AC'),
        authToken: hex(16),
        apiKeys: {},
        friendlyName: 'Leadline test account',
        numbers: [{ sid: twilioSid('PN'), phoneNumber: '+390212345678', voice: true, sms: true }],
        ...overrides,
      };
      accounts.set(account.accountSid, account);
      return account;
    },
    fail(...scripted) {
      failures.push(...scripted);
    },
    beforeCallAnswer(hook) {
      holdCallAnswer = hook;
    },
    waitForCalls(count, timeoutMs = 5_000) {
      return waitFor(
        () => (calls.length >= count ? calls.slice(0, count) : undefined),
        timeoutMs,
        `${count} calls`,
      );
    },
    waitForMessages(count, timeoutMs = 5_000) {
      return waitFor(
        () => (messages.length >= count ? messages.slice(0, count) : undefined),
        timeoutMs,
        `${count} messages`,
      );
    },
    fetchTwiml(call, extra = {}) {
      return twimlAt(call, call.url, { ...callParams(call, 'in-progress'), ...extra });
    },
    postAction(call, url, extra) {
      return twimlAt(call, url, { ...callParams(call, 'in-progress'), ...extra });
    },
    async status(call, callStatus, options = {}) {
      call.sequence += 1;
      const sequenceNumber = options.sequenceNumber ?? call.sequence - 1;
      const idempotencyToken = options.idempotencyToken ?? `${call.sid}-${sequenceNumber}-${hex(4)}`;
      const url = options.url ?? call.statusCallback;
      if (!url) throw new Error('the call has no StatusCallback');
      const params = {
        ...callParams(call, callStatus),
        CallbackSource: 'call-progress-events',
        SequenceNumber: String(sequenceNumber),
        Timestamp: new Date().toUTCString().replace('GMT', '+0000'),
        ...options.extra,
      };
      const answer = await signedPost(url, params, {
        authToken: tokenOf(call),
        headers: { 'i-twilio-idempotency-token': idempotencyToken },
      });
      return { status: answer.status, body: answer.body, sequenceNumber, idempotencyToken };
    },
    async inboundSms(account, url, sms) {
      const request = inboundSmsRequest(account, url, sms);
      const answer = await signedPost(url, request.params, {
        authToken: account.authToken,
        headers: { 'i-twilio-idempotency-token': request.idempotencyToken },
      });
      return { ...answer, messageSid: request.messageSid };
    },
    messageStatus: (message, status, options) => postMessageStatus(message, status, options),
    deliverMessageStatuses(on) {
      statusesOn = on;
    },
    messageStatusesDelivered: () => statusesDelivered,
    signedPost,
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
