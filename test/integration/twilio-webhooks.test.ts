import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTwilio, twilioSid } from '../fakes/twilio.js';
import { type CallbackWorld, startCallbackWorld } from '../support/callback-world.js';

describe('Twilio connection', () => {
  let world: CallbackWorld;
  beforeAll(async () => {
    world = await startCallbackWorld({ worker: false });
  });
  afterAll(() => world?.close());

  it('is checked with Twilio before it is saved, and never returns a secret', async () => {
    const wrong = await world.app.inject({
      method: 'PUT',
      url: '/api/v1/twilio/connection',
      headers: world.admin,
      payload: { accountSid: world.account.accountSid, authToken: 'f'.repeat(32) },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.message).toBe('Twilio refused these credentials');
    const apiKeySid = twilioSid('SK');
    world.account.apiKeys[apiKeySid] = 'A'.repeat(32);
    const good = await world.app.inject({
      method: 'PUT',
      url: '/api/v1/twilio/connection',
      headers: world.admin,
      payload: {
        accountSid: world.account.accountSid,
        authToken: world.account.authToken,
        apiKeySid,
        apiKeySecret: 'A'.repeat(32),
      },
    });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({
      authentication: 'api-key',
      apiKeySid,
      friendlyName: 'Leadline test account',
    });
    const read = await world.app.inject({
      method: 'GET',
      url: '/api/v1/twilio/connection',
      headers: world.admin,
    });
    expect(read.body).not.toContain(world.account.authToken);
    expect(read.body).not.toContain('A'.repeat(32));
    const stored = await world.database.ownerDb
      .selectFrom('twilioConnections')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(stored.authTokenSealed).not.toContain(world.account.authToken);
    // Numbers: listed from IncomingPhoneNumbers, or added by hand when valid.
    const numbers = await world.app.inject({
      method: 'GET',
      url: '/api/v1/twilio/numbers',
      headers: world.admin,
    });
    expect(numbers.json().items.map((n: { phoneE164: string }) => n.phoneE164)).toEqual(['+390212345678']);
    const bad = await world.app.inject({
      method: 'POST',
      url: '/api/v1/twilio/numbers',
      headers: world.admin,
      payload: { phoneE164: '+39000' },
    });
    expect(bad.statusCode).toBe(400);
    const manual = await world.app.inject({
      method: 'POST',
      url: '/api/v1/twilio/numbers',
      headers: world.admin,
      payload: { phoneE164: '+390612345679' },
    });
    expect(manual.statusCode).toBe(201);
  });

  it('passes Twilio’s 429 (code 20429) back as provider unavailable, not a crash', async () => {
    world.twilio.fail({ kind: 'http-429' }, { kind: 'http-429' }, { kind: 'http-429' });
    const answer = await world.app.inject({
      method: 'POST',
      url: '/api/v1/twilio/numbers/sync',
      headers: world.admin,
    });
    expect(answer.statusCode).toBe(502);
  });
});

describe('Twilio voice webhooks refuse what Twilio did not sign', () => {
  let world: CallbackWorld;
  let callbackId: string;
  let base: string;
  beforeAll(async () => {
    world = await startCallbackWorld({ worker: false });
    const row = await world.database.ownerDb
      .insertInto('callbacks')
      .values({
        tenantId: world.tenantId,
        widgetId: world.widget.id,
        visitorE164: '+393471234567',
        visitorName: null,
        language: 'en',
        visitorTimeZone: null,
        status: 'calling_business',
        scheduledFor: null,
        businessCallSids: [],
        businessCallSid: null,
        visitorCallSid: null,
        answeredByNumber: null,
        durationSeconds: null,
        outcomeDetail: null,
        completedAt: null,
        requestId: 'test',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    callbackId = row.id;
    base = `${world.baseUrl}/webhooks/twilio/${world.tenantId}/callbacks/${callbackId}`;
  });
  afterAll(() => world?.close());

  const events = async () =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from callback_call_events`.execute(
          world.database.ownerDb,
        )
      ).rows[0]?.n,
    );

  it('answers 4xx (never 5xx) to bad signatures and bad input, and stores nothing', async () => {
    const params = {
      CallSid: twilioSid('CA'),
      CallStatus: 'completed',
      SequenceNumber: '3',
      AccountSid: world.account.accountSid,
    };
    const token = world.account.authToken;
    const cases: { url: string; signature?: string; body?: string; contentType?: string; expect: number }[] =
      [
        { url: `${base}/status/visitor`, signature: undefined, expect: 401 },
        { url: `${base}/status/visitor`, signature: 'garbage', expect: 401 },
        {
          url: `${base}/status/visitor`,
          signature: signTwilio('0'.repeat(32), `${base}/status/visitor`, params),
          expect: 401,
        },
        {
          url: `${base}/status/visitor`,
          signature: signTwilio(token, `${base}/status/business`, params),
          expect: 401,
        },
        {
          url: `${base}/status/visitor`,
          signature: signTwilio(token, `${base}/status/visitor`, params).toLowerCase(),
          expect: 401,
        },
        {
          url: `${base}/status/visitor`,
          signature: signTwilio(token, `${base}/status/visitor`, { ...params, CallStatus: 'busy' }),
          expect: 401,
        },
        { url: `${base}/status/visitor`, body: '%C0%AF=1', expect: 401 },
        { url: `${base}/status/visitor`, body: 'CallSid=x&\u0000=1', expect: 400 },
        { url: `${base}/status/visitor`, contentType: 'application/json', body: '{}', expect: 415 },
        { url: `${base}/status/visitor`, body: `a=${'x'.repeat(70_000)}`, expect: 413 },
        { url: `${base}/status/other`, expect: 400 },
        {
          url: `${world.baseUrl}/webhooks/twilio/not-a-uuid/callbacks/${callbackId}/status/visitor`,
          expect: 400,
        },
        {
          url: `${world.baseUrl}/webhooks/twilio/${crypto.randomUUID()}/callbacks/${callbackId}/status/visitor`,
          expect: 404,
        },
      ];
    for (const each of cases) {
      const response = await world.twilio.signedPost(each.url, params, {
        signature: each.signature ?? '',
        body: each.body,
        headers: each.contentType ? { 'content-type': each.contentType } : {},
      });
      expect([each.url.slice(-30), each.signature?.slice(0, 8), response.status]).toEqual([
        each.url.slice(-30),
        each.signature?.slice(0, 8),
        each.expect,
      ]);
    }
    // Invalid UTF-8 in the raw bytes, correctly signed over what it decodes to, is still refused.
    const raw = await fetch(`${base}/status/visitor`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
      body: Buffer.from([0x61, 0x3d, 0xff, 0xfe]),
    });
    expect(raw.status).toBe(400);
    // Signed correctly but with parameters Twilio never sends that way.
    const malformed = { ...params, SequenceNumber: '-1' };
    const signedMalformed = await world.twilio.signedPost(`${base}/status/visitor`, malformed, {
      signature: signTwilio(token, `${base}/status/visitor`, malformed),
    });
    expect(signedMalformed.status).toBe(400);
    expect(await events()).toBe(0);
    const counted = await world.metrics.badWebhookSignatures.get();
    expect(counted.values.find((value) => value.labels.provider === 'twilio')?.value).toBeGreaterThanOrEqual(
      6,
    );
  });

  it('hangs up on a TwiML request for a call it did not place (a signed but foreign CallSid)', async () => {
    const params = {
      CallSid: twilioSid('CA'),
      CallStatus: 'in-progress',
      AccountSid: world.account.accountSid,
    };
    const whisper = await world.twilio.signedPost(`${base}/whisper`, params);
    expect(whisper.status).toBe(200);
    expect(whisper.body).toContain('<Hangup/>');
    const gather = await world.twilio.signedPost(`${base}/gather`, { ...params, Digits: '1' });
    expect(gather.body).not.toContain('<Dial');
    expect(
      (await world.database.ownerDb.selectFrom('callbacks').select('status').executeTakeFirst())?.status,
    ).toBe('calling_business');
  });
});
