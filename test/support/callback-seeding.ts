import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { FastifyInstance } from 'fastify';
import { saveCalendar } from '../../src/business-hours/business-hours.repository.js';
import { ZBusinessHours } from '../../src/business-hours/calendar.js';
import { connectTwilio, syncNumbers } from '../../src/channels/twilio/connection.service.js';
import { createTwilioRuntime, type TwilioRuntime } from '../../src/channels/twilio/twilio-runtime.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { createCallbackCallEvents } from '../../src/widgets/call-events.service.js';
import { ZNewWidget } from '../../src/widgets/widgets.fields.js';
import { createWidget, saveSettings } from '../../src/widgets/widgets.service.js';
import { type FakeTwilio, twilioSid } from '../fakes/twilio.js';
import type { SignedInMember } from './tenant-members.js';
import type { TestDatabase } from './test-database.js';

/** The site the seeded widgets are embedded on (their only allowed origin). */
export const WIDGET_ORIGIN = 'https://shop.example.com';

/** Open around the clock: a call-back asked for is placed now (status requested), not scheduled. */
export const ALWAYS_OPEN = ZBusinessHours.parse({
  timeZone: 'Europe/Rome',
  weekly: Object.fromEntries(
    ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((day) => [day, [{ start: '00:00', end: '24:00' }]]),
  ),
});

/**
 * The environment the app needs for call-back seeding against `twilio`: the fake's URL, a cheap ALTCHA
 * and no per-IP call-back limit worth mentioning. OUTBOUND_ALLOW_PRIVATE_HOSTS is the caller's to set
 * (it must list the fake's hostPort beside any other fakes).
 */
export function callbackSeedingEnv(twilio: FakeTwilio): Record<string, string> {
  return { TWILIO_API_URL: twilio.url, ALTCHA_MAX_COUNTER: '200', CALLBACK_PER_IP_PER_HOUR: '1000' };
}

const randomDigits = (n: number) => String(Math.floor(Math.random() * 10 ** n)).padStart(n, '0');

export interface CallbackSeeding {
  /** Each tenant's seeded Twilio voice number (the widgets' caller id). */
  readonly callerNumbers: Map<string, string>;
  /** Each tenant's seeded call-me-back widget. */
  readonly widgets: Map<string, { id: string; publicKey: string }>;
  /**
   * The call-me-back rows for a tenant, made by the real code: a Twilio connection checked against the
   * fake Twilio, its numbers synced, call-back settings, the workspace's business hours, a widget, a
   * visitor's call-back request and a status callback of its visitor leg.
   */
  seedCallbacks(tenantId: string, owner: SignedInMember, label: string): Promise<void>;
  /** A widget of the tenant calling from its seeded caller number (if any). */
  newWidget(tenantId: string, owner: SignedInMember, name: string): ReturnType<typeof createWidget>;
  /**
   * A visitor's call-back request through the seeded widget's public endpoint (ALTCHA solved as the
   * widget would), in business hours: a call-back in status requested with its pending job. Returns its id.
   */
  newCallback(tenantId: string): Promise<string>;
  /** Closes the Twilio runtime. */
  close(): Promise<void>;
}

export function createCallbackSeeding(options: {
  database: TestDatabase;
  app: FastifyInstance;
  config: Config;
  twilio: FakeTwilio;
  context: { requestId: string; ip: string; userAgent: string };
}): CallbackSeeding {
  const { database, app, config, twilio, context } = options;
  const runtime: TwilioRuntime = createTwilioRuntime({ config, db: database.db });
  const callerNumbers = new Map<string, string>();
  const widgets = new Map<string, { id: string; publicKey: string }>();

  const newWidget = (tenantId: string, owner: SignedInMember, name: string) =>
    createWidget(
      database.db,
      tenantId,
      { userId: owner.userId, apiKeyId: null, context },
      ZNewWidget.parse({
        name,
        allowedOrigins: [WIDGET_ORIGIN],
        defaultCountry: 'IT',
        agentNumbers: ['+390612345678'],
        callerNumberId: callerNumbers.get(tenantId) ?? null,
      }),
    );

  const newCallback = async (tenantId: string): Promise<string> => {
    const widget = widgets.get(tenantId);
    if (!widget) throw new Error('tenant has no seeded widget');
    const challenge = await app.inject({
      method: 'GET',
      url: `/api/v1/public/widgets/${widget.publicKey}/challenge`,
      headers: { origin: WIDGET_ORIGIN },
    });
    if (challenge.statusCode !== 200) throw new Error(`challenge: ${challenge.statusCode} ${challenge.body}`);
    const solution = await solveChallenge({ challenge: challenge.json(), deriveKey });
    if (!solution) throw new Error('ALTCHA not solved');
    const phone = `+39347${randomDigits(7)}`;
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/public/widgets/${widget.publicKey}/callbacks`,
      headers: { origin: WIDGET_ORIGIN },
      payload: {
        phone,
        altcha: Buffer.from(JSON.stringify({ challenge: challenge.json(), solution })).toString('base64'),
      },
    });
    if (response.statusCode !== 202) throw new Error(`call-back: ${response.statusCode} ${response.body}`);
    const row = await database.ownerDb
      .selectFrom('callbacks')
      .select('id')
      .where('tenantId', '=', tenantId)
      .where('visitorE164', '=', phone)
      .executeTakeFirstOrThrow();
    return row.id;
  };

  const seedCallbacks = async (tenantId: string, owner: SignedInMember, label: string) => {
    const actor = { userId: owner.userId, apiKeyId: null, context };
    const account = twilio.addAccount();
    await connectTwilio(database.db, config, runtime.rest, tenantId, actor, {
      accountSid: account.accountSid,
      authToken: account.authToken,
    });
    const [caller] = await syncNumbers(database.db, config, runtime.rest, tenantId);
    if (!caller) throw new Error('the fake Twilio account listed no number');
    callerNumbers.set(tenantId, caller.id);
    await saveSettings(database.db, tenantId, actor, {
      allowedCountries: ['IT'],
      retryAfterMinutes: 5,
      maxRetries: 1,
      machineDetection: false,
      perNumberPerDay: 3,
      perWidgetPerDay: 1000,
      notifyEmail: `sales-${label.toLowerCase()}@example.com`,
      notifySmsE164: null,
    });
    await withTenant(database.db, tenantId, (trx) => saveCalendar(trx, null, ALWAYS_OPEN));
    const widget = await newWidget(tenantId, owner, `Widget ${label}`);
    widgets.set(tenantId, { id: widget.id, publicKey: widget.publicKey });
    const callbackId = await newCallback(tenantId);
    await createCallbackCallEvents(database.db).legStatus(
      tenantId,
      callbackId,
      'visitor',
      { callSid: twilioSid('CA'), callStatus: 'ringing', sequenceNumber: 1, durationSeconds: null },
      context.requestId,
    );
  };

  return { callerNumbers, widgets, seedCallbacks, newWidget, newCallback, close: () => runtime.close() };
}
