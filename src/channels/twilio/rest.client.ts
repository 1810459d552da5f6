import { z } from 'zod';
import { OutboundError } from '../../platform/http/outbound/errors.js';
import type { OutboundClient } from '../../platform/http/outbound/outbound-client.js';

/** What a REST call needs: the account, and the key pair that authenticates (auth token or API key). */
export interface TwilioCredentials {
  accountSid: string;
  /** `AccountSid`/auth token, or an API key's `SK...` sid and secret. */
  username: string;
  password: string;
}

/** A failed Twilio call: Twilio's error code (e.g. 20003 authentication, 20429 too many requests). */
export class TwilioApiError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly code: number | undefined,
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(code === undefined ? message : `Twilio error ${code}: ${message}`, options);
    this.name = 'TwilioApiError';
  }
}

// Twilio's REST error envelope (twilio-node spec/unit/base/RestException.spec.ts).
const ZErrorEnvelope = z.object({
  code: z.number().int(),
  message: z.string().max(2000),
  status: z.number().int().optional(),
});
const ZAccount = z.object({
  sid: z.string(),
  friendly_name: z.string().nullable().optional(),
  status: z.string(),
});
const ZNumbersPage = z.object({
  incoming_phone_numbers: z.array(
    z.object({
      sid: z.string(),
      phone_number: z.string(),
      capabilities: z
        .object({ voice: z.boolean().optional(), sms: z.boolean().optional() })
        .partial()
        .optional(),
    }),
  ),
  next_page_uri: z.string().nullable().optional(),
});
const ZResource = z.object({ sid: z.string().min(1).max(64), status: z.string() });

export type TwilioAccount = z.infer<typeof ZAccount>;
export interface TwilioIncomingNumber {
  sid: string;
  phoneNumber: string;
  voice: boolean;
  sms: boolean;
}

/** Calls.json parameters Leadline uses (protocols.md §2); Twiml or Url says what the call does. */
export interface CreateCallParams {
  to: string;
  from: string;
  url: string;
  statusCallback: string;
  timeoutSeconds: number;
  machineDetection?: boolean;
}

export interface SendSmsParams {
  to: string;
  from: string;
  body: string;
  statusCallback?: string;
}

export interface TwilioRestClient {
  fetchAccount(credentials: TwilioCredentials): Promise<TwilioAccount>;
  listIncomingNumbers(credentials: TwilioCredentials): Promise<TwilioIncomingNumber[]>;
  createCall(
    credentials: TwilioCredentials,
    params: CreateCallParams,
  ): Promise<{ sid: string; status: string }>;
  /** Ends a call that is ringing or in progress (another agent took the call). */
  endCall(credentials: TwilioCredentials, callSid: string): Promise<void>;
  sendSms(credentials: TwilioCredentials, params: SendSmsParams): Promise<{ sid: string; status: string }>;
}

const MAX_BYTES = 512 * 1024;
const MAX_NUMBER_PAGES = 20;

/** Twilio's REST API (2010-04-01) through the shared outbound client; form bodies, Basic auth. */
export function createTwilioRestClient(options: { http: OutboundClient; baseUrl: string }): TwilioRestClient {
  const base = options.baseUrl.replace(/\/+$/, '');

  async function call<T>(
    credentials: TwilioCredentials,
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    form?: URLSearchParams,
  ): Promise<T> {
    const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    let body: Buffer;
    try {
      const response = await options.http.request({
        method,
        url: `${base}${path}`,
        headers: {
          authorization,
          accept: 'application/json',
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: form?.toString(),
        maxBytes: MAX_BYTES,
        breakerKey: `twilio:${credentials.accountSid}`,
        // Creating a call is not idempotent: a retried POST after a lost answer could ring twice. Only a
        // 429 (refused before anything happened) is retried in the call; the job retries the rest.
        isRetryable: (status) => status === 429 || (method === 'GET' && status >= 500),
      });
      body = response.body;
    } catch (error) {
      throw toTwilioError(error);
    }
    const parsed = schema.safeParse(parseJson(body));
    if (!parsed.success)
      throw new TwilioApiError(undefined, undefined, 'unexpected response from Twilio', true);
    return parsed.data;
  }

  const accountPath = (credentials: TwilioCredentials) =>
    `/2010-04-01/Accounts/${encodeURIComponent(credentials.accountSid)}`;

  return {
    fetchAccount: (credentials) => call(credentials, 'GET', `${accountPath(credentials)}.json`, ZAccount),

    async listIncomingNumbers(credentials) {
      const numbers: TwilioIncomingNumber[] = [];
      let path: string | null | undefined =
        `${accountPath(credentials)}/IncomingPhoneNumbers.json?PageSize=100`;
      for (let page = 0; path && page < MAX_NUMBER_PAGES; page += 1) {
        // next_page_uri is a path on the same API; never follow anything else.
        if (!path.startsWith(accountPath(credentials))) break;
        const result: z.infer<typeof ZNumbersPage> = await call(credentials, 'GET', path, ZNumbersPage);
        for (const number of result.incoming_phone_numbers) {
          numbers.push({
            sid: number.sid,
            phoneNumber: number.phone_number,
            voice: number.capabilities?.voice ?? false,
            sms: number.capabilities?.sms ?? false,
          });
        }
        path = result.next_page_uri;
      }
      return numbers;
    },

    async createCall(credentials, params) {
      const form = new URLSearchParams({
        To: params.to,
        From: params.from,
        Url: params.url,
        Method: 'POST',
        StatusCallback: params.statusCallback,
        StatusCallbackMethod: 'POST',
        Timeout: String(params.timeoutSeconds),
      });
      for (const event of ['initiated', 'ringing', 'answered', 'completed']) {
        form.append('StatusCallbackEvent', event);
      }
      if (params.machineDetection) form.set('MachineDetection', 'Enable');
      const created = await call(
        credentials,
        'POST',
        `${accountPath(credentials)}/Calls.json`,
        ZResource,
        form,
      );
      return { sid: created.sid, status: created.status };
    },

    async endCall(credentials, callSid) {
      const form = new URLSearchParams({ Status: 'completed' });
      await call(
        credentials,
        'POST',
        `${accountPath(credentials)}/Calls/${encodeURIComponent(callSid)}.json`,
        ZResource,
        form,
      );
    },

    async sendSms(credentials, params) {
      const form = new URLSearchParams({ To: params.to, From: params.from, Body: params.body });
      if (params.statusCallback) form.set('StatusCallback', params.statusCallback);
      const sent = await call(
        credentials,
        'POST',
        `${accountPath(credentials)}/Messages.json`,
        ZResource,
        form,
      );
      return { sid: sent.sid, status: sent.status };
    },
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function toTwilioError(error: unknown): TwilioApiError {
  if (!(error instanceof OutboundError)) {
    return new TwilioApiError(undefined, undefined, 'request to Twilio failed', true, { cause: error });
  }
  const envelope = ZErrorEnvelope.safeParse(error.details.body ? parseJson(error.details.body) : undefined);
  const status = error.details.status;
  if (envelope.success) {
    const retryable = status === 429 || envelope.data.code === 20429 || (status ?? 0) >= 500;
    return new TwilioApiError(status, envelope.data.code, envelope.data.message.slice(0, 300), retryable, {
      cause: error,
    });
  }
  return new TwilioApiError(status, undefined, error.message, error.retryable, { cause: error });
}
