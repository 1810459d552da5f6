import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCall, TwimlVerb } from '../fakes/twilio.js';
import { twilioSid } from '../fakes/twilio.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { waitFor } from '../fixtures/wait-for.js';
import {
  AGENT_NUMBERS,
  type CallbackWorld,
  SITE_ORIGIN,
  solvedAltcha,
  startCallbackWorld,
  submitCallback,
} from '../support/callback-world.js';
import { queuedMails } from '../support/queued-mail.js';

const VISITOR = '+393471234567';

async function callbackRow(world: CallbackWorld, id?: string) {
  const query = world.database.ownerDb.selectFrom('callbacks').selectAll().orderBy('createdAt', 'desc');
  return (id ? query.where('id', '=', id) : query).executeTakeFirst();
}

function find(verbs: TwimlVerb[], name: string): TwimlVerb | undefined {
  for (const verb of verbs) {
    if (verb.verb === name) return verb;
    const inner = find(verb.children, name);
    if (inner) return inner;
  }
  return undefined;
}

describe('a call-back in business hours', () => {
  let world: CallbackWorld;
  beforeAll(async () => {
    world = await startCallbackWorld();
  });
  afterAll(() => world?.close());

  it('rings every agent, whispers the lead, bridges the first to press 1 to the visitor, and records the outcome', async () => {
    const answer = await submitCallback(world, {
      phone: '347 123 4567',
      name: 'Giulia <b>Rossi</b>'.replace(/<\/?b>/g, ''),
      language: 'it',
      altcha: await solvedAltcha(world.baseUrl, world.widget.publicKey),
    });
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ status: 'calling', scheduledFor: null });
    expect(answer.json.message).toMatch(/Ti stiamo chiamando/);
    expect(answer.headers.get('access-control-allow-origin')).toBe(SITE_ORIGIN);

    const calls = await world.twilio.waitForCalls(2);
    expect(calls.map((call) => call.to).sort()).toEqual([...AGENT_NUMBERS].sort());
    for (const call of calls) {
      expect(call.from).toBe(world.callerNumber);
      expect(call.statusCallbackEvents).toEqual(['initiated', 'ringing', 'answered', 'completed']);
      expect(call.url.startsWith(`${world.baseUrl}/webhooks/twilio/${world.tenantId}/callbacks/`)).toBe(true);
    }
    const [first, second] = calls as [FakeCall, FakeCall];
    const stored = await waitFor(
      async () => {
        const row = await callbackRow(world);
        return row?.businessCallSids.length === 2 ? row : undefined;
      },
      { timeoutMs: 5_000, description: 'both business legs recorded' },
    );
    expect(stored).toMatchObject({ status: 'calling_business', visitorE164: VISITOR, attempts: 1 });

    await world.twilio.status(first, 'initiated');
    await world.twilio.status(first, 'ringing');
    const whisper = await world.twilio.fetchTwiml(first);
    const gather = find(whisper.verbs, 'Gather');
    expect(gather?.attributes).toMatchObject({ numDigits: '1', method: 'POST' });
    expect(find(gather?.children ?? [], 'Say')?.text).toBe(
      'Richiesta di richiamata da Giulia Rossi. Premi 1 per rispondere.',
    );
    expect(whisper.verbs.at(-1)?.verb).toBe('Hangup');

    // Another digit asks again; 1 bridges.
    const other = await world.twilio.postAction(first, gather?.attributes.action ?? '', { Digits: '2' });
    expect(other.verbs[0]?.verb).toBe('Redirect');
    const bridge = await world.twilio.postAction(first, gather?.attributes.action ?? '', { Digits: '1' });
    const dial = find(bridge.verbs, 'Dial');
    expect(dial?.attributes.callerId).toBe(world.callerNumber);
    const number = find(dial?.children ?? [], 'Number');
    expect(number?.text).toBe(VISITOR);
    expect((await callbackRow(world, stored.id))?.status).toBe('calling_visitor');

    // The second agent is too late: hung up, and the worker ends their ringing leg.
    const late = await world.twilio.postAction(second, gather?.attributes.action ?? '', { Digits: '1' });
    expect(late.verbs.map((verb) => verb.verb)).toEqual(['Hangup']);
    await waitFor(() => second.ended, { timeoutMs: 5_000, description: 'the other agent’s leg ended' });

    // The visitor's leg: its status callbacks arrive out of order, one twice.
    const visitorLeg: FakeCall = {
      ...first,
      sid: twilioSid('CA'),
      to: VISITOR,
      statusCallback: number?.attributes.statusCallback,
      sequence: 0,
    };
    await world.twilio.status(visitorLeg, 'ringing', { sequenceNumber: 1 });
    const completed = await world.twilio.status(visitorLeg, 'completed', {
      sequenceNumber: 3,
      extra: { CallDuration: '42' },
    });
    expect(completed.status).toBe(204);
    const lateAnswer = await world.twilio.status(visitorLeg, 'in-progress', { sequenceNumber: 2 });
    expect(lateAnswer.status).toBe(204);
    const retried = await world.twilio.status(visitorLeg, 'completed', {
      sequenceNumber: 3,
      idempotencyToken: completed.idempotencyToken,
      extra: { CallDuration: '42' },
    });
    expect(retried.status).toBe(204);
    const done = await world.twilio.postAction(first, dial?.attributes.action ?? '', {
      DialCallStatus: 'completed',
      DialCallDuration: '42',
      DialCallSid: visitorLeg.sid,
    });
    expect(done.verbs.map((verb) => verb.verb)).toEqual(['Hangup']);

    const final = await callbackRow(world, stored.id);
    expect(final).toMatchObject({
      status: 'completed',
      durationSeconds: 42,
      businessCallSid: first.sid,
      visitorCallSid: visitorLeg.sid,
    });
    const events = await world.database.ownerDb
      .selectFrom('callbackCallEvents')
      .select(['callSid', 'sequenceNumber', 'callStatus'])
      .where('callSid', '=', visitorLeg.sid)
      .orderBy('sequenceNumber')
      .execute();
    expect(events.map((event) => event.callStatus)).toEqual(['ringing', 'in-progress', 'completed']);

    const list = await world.app.inject({
      method: 'GET',
      url: '/api/v1/callbacks?status=completed',
      headers: world.admin,
    });
    expect(list.json().items).toMatchObject([{ id: stored.id, status: 'completed', durationSeconds: 42 }]);
  });

  it('retries the business leg after the configured delay when no agent answers, then gives up', async () => {
    const answer = await submitCallback(world, {
      phone: '+5511987654321',
      language: 'pt',
      altcha: await solvedAltcha(world.baseUrl, world.widget.publicKey),
    });
    expect(answer.status).toBe(202);
    const before = world.twilio.calls.length;
    const calls = await world.twilio.waitForCalls(before + 2);
    const legs = calls.slice(before);
    const row = await waitFor(
      async () => {
        const found = await callbackRow(world);
        return found?.businessCallSids.length === 2 ? found : undefined;
      },
      { timeoutMs: 5_000 },
    );
    await world.twilio.status(legs[0] as FakeCall, 'no-answer');
    expect((await callbackRow(world, row.id))?.status).toBe('calling_business');
    await world.twilio.status(legs[1] as FakeCall, 'busy');
    const retrying = await callbackRow(world, row.id);
    expect(retrying).toMatchObject({ status: 'scheduled', attempts: 1 });
    const job = (await jobsOfTask(world.database.ownerDb, 'callbacks.place')).find(
      (each) => each.key === `callback:${row.id}`,
    );
    const delay = (job?.runAt.getTime() ?? 0) - Date.now();
    expect(delay).toBeGreaterThan(4 * 60_000);
    expect(delay).toBeLessThanOrEqual(5 * 60_000);
  });

  it('applies business-leg status callbacks that overtake Twilio’s Calls.json answer, then the retry policy', async () => {
    const acknowledged: number[] = [];
    // Twilio fails each leg at once and calls back before its REST answer (with the CallSid) reaches Leadline.
    world.twilio.beforeCallAnswer(async (call) => {
      acknowledged.push((await world.twilio.status(call, 'ringing')).status);
      const final = call.to === AGENT_NUMBERS[0] ? 'failed' : 'no-answer';
      acknowledged.push((await world.twilio.status(call, final)).status);
    });
    try {
      const before = world.twilio.calls.length;
      const answer = await submitCallback(world, {
        phone: '+393471234599',
        altcha: await solvedAltcha(world.baseUrl, world.widget.publicKey),
      });
      expect(answer.status).toBe(202);
      const legs = (await world.twilio.waitForCalls(before + 2)).slice(before);
      const row = await waitFor(
        async () => {
          const found = await callbackRow(world);
          return found?.visitorE164 === '+393471234599' && found.status !== 'calling_business'
            ? found
            : undefined;
        },
        { timeoutMs: 5_000 },
      );
      expect(acknowledged).toEqual([204, 204, 204, 204]);
      expect(row).toMatchObject({
        status: 'scheduled',
        attempts: 1,
        businessCallSids: legs.map((leg) => leg.sid),
      });
      expect(row.outcomeDetail).toContain('retry 1 of 1');
      const job = (await jobsOfTask(world.database.ownerDb, 'callbacks.place')).find(
        (each) => each.key === `callback:${row.id}`,
      );
      const delay = (job?.runAt.getTime() ?? 0) - Date.now();
      expect(delay).toBeGreaterThan(4 * 60_000);
      expect(delay).toBeLessThanOrEqual(5 * 60_000);
      // Every early event was stored once, and a redelivery of one changes nothing.
      const stored = await world.database.ownerDb
        .selectFrom('callbackCallEvents')
        .select(['callSid', 'callStatus', 'sequenceNumber'])
        .where('callbackId', '=', row.id)
        .orderBy('sequenceNumber')
        .orderBy('callStatus')
        .execute();
      expect(stored).toHaveLength(4);
      await world.twilio.status(legs[0] as FakeCall, 'failed', { sequenceNumber: 1 });
      expect(await callbackRow(world, row.id)).toMatchObject({ status: 'scheduled', attempts: 1 });
    } finally {
      world.twilio.beforeCallAnswer(undefined);
    }
  });
});

describe('a call-back out of hours', () => {
  let world: CallbackWorld;
  beforeAll(async () => {
    // Open one hour a week, on Monday 03:00-04:00 in Rome: closed at almost any test time.
    world = await startCallbackWorld({
      hours: {
        timeZone: 'Europe/Rome',
        weekly: { mon: [{ start: '03:00', end: '04:00' }] },
        holidays: { country: 'IT' },
      },
    });
  });
  afterAll(() => world?.close());

  it('texts the visitor when they will be called, tells the business, and schedules a job an operator can move or cancel', async () => {
    const now = new Date();
    const answer = await submitCallback(world, {
      phone: '+1 212 555 0123'.replace('555 0123', '736 4321'),
      language: 'es',
      timeZone: 'America/New_York',
      altcha: await solvedAltcha(world.baseUrl, world.widget.publicKey),
    });
    if (answer.json.status === 'calling') return; // the rare test run inside Monday 03:00-04:00 Rome time
    expect(answer.status).toBe(202);
    expect(answer.json.status).toBe('scheduled');
    const scheduledFor = new Date(String(answer.json.scheduledFor));
    expect(scheduledFor.getTime()).toBeGreaterThan(now.getTime());
    expect(answer.json.message).toMatch(/cerrados/);

    const [sms] = await world.twilio.waitForMessages(1);
    expect(sms).toMatchObject({ to: '+12127364321', from: world.callerNumber });
    expect(sms?.body).toMatch(/cerrados/);
    const mails = await waitFor(
      async () => {
        const queued = await queuedMails(world.database.ownerDb, 'sales@example.com');
        return queued.length > 0 ? queued : undefined;
      },
      { timeoutMs: 5_000 },
    );
    expect(mails[0]?.text).toMatch(/\+12127364321/);
    expect(world.twilio.calls).toHaveLength(0);

    const row = await callbackRow(world);
    const job = (await jobsOfTask(world.database.ownerDb, 'callbacks.place')).find(
      (each) => each.key === `callback:${row?.id}`,
    );
    expect(job?.runAt.toISOString()).toBe(scheduledFor.toISOString());

    const movedTo = new Date(Date.now() + 3 * 86_400_000);
    const moved = await world.app.inject({
      method: 'POST',
      url: `/api/v1/callbacks/${row?.id}/reschedule`,
      headers: world.admin,
      payload: { at: movedTo.toISOString() },
    });
    expect(moved.statusCode).toBe(200);
    const jobs = (await jobsOfTask(world.database.ownerDb, 'callbacks.place')).filter(
      (each) => each.key === `callback:${row?.id}`,
    );
    expect(jobs.map((each) => each.runAt.toISOString())).toEqual([movedTo.toISOString()]);

    const canceled = await world.app.inject({
      method: 'POST',
      url: `/api/v1/callbacks/${row?.id}/cancel`,
      headers: world.admin,
    });
    expect(canceled.json()).toMatchObject({ status: 'canceled' });
    expect(
      (await jobsOfTask(world.database.ownerDb, 'callbacks.place')).filter(
        (each) => each.key === `callback:${row?.id}`,
      ),
    ).toEqual([]);
    const again = await world.app.inject({
      method: 'POST',
      url: `/api/v1/callbacks/${row?.id}/cancel`,
      headers: world.admin,
    });
    expect(again.statusCode).toBe(409);
  });
});

describe('the public endpoint refuses abuse', () => {
  let world: CallbackWorld;
  beforeAll(async () => {
    world = await startCallbackWorld({ worker: false });
  });
  afterAll(() => world?.close());

  const count = async () =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from callbacks`.execute(world.database.ownerDb)).rows[0]
        ?.n ?? 0,
    );

  it('accepts an ALTCHA solution once', async () => {
    const altcha = await solvedAltcha(world.baseUrl, world.widget.publicKey);
    expect((await submitCallback(world, { phone: '+393471111111', altcha })).status).toBe(202);
    const replay = await submitCallback(world, { phone: '+393472222222', altcha, language: 'it' });
    expect(replay.status).toBe(403);
    expect((replay.json.error as { message: string }).message).toMatch(/controllo di sicurezza/);
    expect(await count()).toBe(1);
  });

  it('ignores nothing silently: a request naming a number to dial for the business is refused and has no effect', async () => {
    const before = await count();
    for (const extra of [
      { agentNumber: '+390899123456' },
      { to: '+447700900123' },
      { agentNumbers: ['+390899123456'] },
      { callerId: '+15005550006' },
    ]) {
      const answer = await submitCallback(world, {
        phone: '+393473333333',
        altcha: await solvedAltcha(world.baseUrl, world.widget.publicKey),
        ...extra,
      });
      expect(answer.status).toBe(400);
    }
    expect(await count()).toBe(before);
    expect(world.twilio.calls).toHaveLength(0);
  });

  it('refuses premium-rate, shared-cost and special numbers whatever the allow-list, and countries not on it', async () => {
    const before = await count();
    const cases: [string, string, number][] = [
      ['+39 899 123456', 'special_number', 422], // Italian premium rate
      ['+44 9061 234567', 'special_number', 422], // UK premium: refused as special before the country is looked at
      ['+39 848 123456', 'special_number', 422], // Italian shared cost
      ['+1 900 555 0199', 'special_number', 422], // US premium
      ['+33 6 12 34 56 78', 'country_not_allowed', 422], // a French mobile, FR not allowed
      ['+39 347 123 4567 ext. 12', 'invalid_phone', 422],
      ['+39 CALL NOW', 'invalid_phone', 422],
      ['＋３９ ３４７ １２３ ４５６７', 'invalid_phone', 422], // fullwidth digits
      ['+٣٩٣٤٧١٢٣٤٥٦٧', 'invalid_phone', 422], // Arabic-Indic digits
    ];
    for (const [phone, reason, status] of cases) {
      const answer = await submitCallback(world, {
        phone,
        language: 'en',
        altcha: await solvedAltcha(world.baseUrl, world.widget.publicKey),
      });
      expect([phone, answer.status]).toEqual([phone, status]);
      expect((answer.json.error as { details: { message: string }[] }).details[0]?.message).toBe(reason);
    }
    expect(await count()).toBe(before);
  });

  it('answers every class of bad input with a 4xx and stores nothing', async () => {
    const before = await count();
    const url = `${world.baseUrl}/api/v1/public/widgets/${world.widget.publicKey}/callbacks`;
    const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SITE_ORIGIN, ...headers },
        body,
      });
    const altcha = await solvedAltcha(world.baseUrl, world.widget.publicKey);
    const bodies: (string | Buffer)[] = [
      '{"__proto__":{"isAdmin":true},"phone":"+393471234567"}',
      '{"constructor":{"prototype":{"x":1}},"phone":"+393471234567"}',
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      JSON.stringify({ phone: 'x'.repeat(100_000), altcha }),
      Buffer.from([0x7b, 0x22, 0x70, 0x68, 0x6f, 0x6e, 0x65, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
      JSON.stringify({ phone: '+393471234567\u0000', altcha }),
      JSON.stringify({ phone: ['+393471234567', '+393471234568'], altcha }),
      JSON.stringify({ phone: { $ne: null }, altcha }),
      JSON.stringify({ phone: '+393471234567', name: 'a\u202Eb', altcha }),
      JSON.stringify({ phone: '+393471234567', name: 'x\r\nBcc: a@b.c', altcha }),
      JSON.stringify({ phone: '+393471234567', altcha: 'not-base64!' }),
      JSON.stringify({ phone: '+393471234567' }),
      '{"phone":"+393471234567","phone":"+390000000000"}',
      'not json',
      '',
    ];
    for (const body of bodies) {
      const response = await post(body);
      expect(response.status, String(body).slice(0, 60)).toBeGreaterThanOrEqual(400);
      expect(response.status, String(body).slice(0, 60)).toBeLessThan(500);
    }
    expect((await post('phone=1', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post(JSON.stringify({ phone: 'x'.repeat(40_000) }))).status).toBe(413);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    // Another site cannot use the widget, and gets no CORS headers.
    const foreign = await submitCallback(
      world,
      { phone: '+393471234567', altcha },
      { origin: 'https://evil.example' },
    );
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const unknown = await fetch(`${world.baseUrl}/api/v1/public/widgets/wk_unknownunknownunknown/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: SITE_ORIGIN },
      body: JSON.stringify({ phone: '+393471234567', altcha }),
    });
    expect(unknown.status).toBe(404);
    expect(await count()).toBe(before);
  });

  it('answers preflights for allowed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${world.baseUrl}/api/v1/public/widgets/${world.widget.publicKey}/callbacks`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const allowed = await preflight(SITE_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SITE_ORIGIN);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const refused = await preflight('https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits requests per destination number per day', async () => {
    const results: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const answer = await submitCallback(world, {
        phone: '+393479999999',
        altcha: await solvedAltcha(world.baseUrl, world.widget.publicKey),
      });
      results.push(answer.status);
    }
    expect(results).toEqual([202, 202, 202, 429]);
  });
});
