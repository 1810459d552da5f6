import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { openingState } from '../business-hours/business-hours.service.js';
import { isTimeZone } from '../business-hours/zoned-time.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError, type ErrorCode } from '../platform/http/app-error.js';
import { ipLimiterKey } from '../platform/http/client-ip.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import type { LimiterStore } from '../platform/rate-limit/limiter-store.js';
import type { Altcha } from './altcha.js';
import { notifyClosedTask, placeCallTask } from './callback-task-refs.js';
import { publishCallbackChange, widgetByKey } from './callbacks.repository.js';
import { confirmation, formatWhen, type RefusalReason, refusalMessage } from './messages.js';
import { checkVisitorNumber } from './phone-policy.js';
import { findSettings } from './widgets.service.js';
import type { CallbackLanguage } from './widgets.table.js';

export interface CallbackRequestInput {
  widgetKey: string;
  phone: string;
  name: string | undefined;
  language: CallbackLanguage;
  timeZone: string | undefined;
  altcha: string;
  /** The hidden field people never fill in. */
  website: string | undefined;
  origin: string | undefined;
  clientIp: string;
  requestId: string;
}

export interface CallbackRequestResult {
  status: 'calling' | 'scheduled';
  message: string;
  scheduledFor: string | null;
}

export interface CallbackRequestDeps {
  db: Db;
  altcha: Altcha;
  limits: CallbackLimits;
  metrics: Metrics;
}

const REFUSAL_CODES: Record<RefusalReason, ErrorCode> = {
  invalid_phone: 'callback_refused',
  country_not_allowed: 'callback_refused',
  special_number: 'callback_refused',
  verification_failed: 'forbidden',
  too_many_requests: 'rate_limited',
  unavailable: 'service_unavailable',
  invalid_request: 'bad_request',
};

/** A refusal in the visitor's language; `reason` is machine-readable for the widget. */
export function refusal(reason: RefusalReason, language: CallbackLanguage): AppError {
  return new AppError(REFUSAL_CODES[reason], refusalMessage(reason, language), {
    details: [{ path: 'reason', message: reason }],
  });
}

/**
 * The per-client-IP counter (IPv6 per /64) of the public endpoint, in the shared rate-limit store. The
 * daily limits per destination number and per widget are counted from the stored call-backs instead
 * (see requestCallback): a shared counter row per widget would serialise every request on its lock.
 */
export class CallbackLimits {
  private readonly perIp: RateLimiterAbstract;

  constructor(store: LimiterStore, perIpPerHour: number, prefix = 'cb') {
    this.perIp = store.create({ keyPrefix: `${prefix}:ip`, points: perIpPerHour, durationSeconds: 3600 });
  }

  /** False when the IP used up its hour; the store being down fails closed (toll fraud costs money). */
  async allow(ip: string): Promise<boolean> {
    try {
      await this.perIp.consume(ipLimiterKey(ip));
      return true;
    } catch (error) {
      if (error instanceof RateLimiterRes) return false;
      throw new AppError('service_unavailable', 'Temporarily unavailable; retry later', { cause: error });
    }
  }
}

/**
 * A visitor asks to be called back. Nothing in the request chooses whom Leadline dials for the business
 * (the widget's agent numbers) nor the caller id (the widget's Twilio number): the request names only the
 * visitor's own number, which must pass the toll-fraud rules. Order: cheap checks first, then the proof of
 * work (each solution once), the number, the counters, and finally one transaction that stores the
 * call-back with its job(s). In hours the call is placed now; out of hours the visitor gets an SMS and the
 * call waits for the next opening.
 */
export async function requestCallback(
  deps: CallbackRequestDeps,
  input: CallbackRequestInput,
): Promise<CallbackRequestResult> {
  const refuse = (reason: RefusalReason) => {
    deps.metrics.callbackRefusals.inc({ reason });
    deps.metrics.callbackRequests.inc({ outcome: 'refused' });
    return refusal(reason, input.language);
  };
  const found = await widgetByKey(deps.db, input.widgetKey);
  if (!found) throw new AppError('not_found', 'Unknown widget');
  const { tenantId, widgetId } = found;
  const context = await withTenant(deps.db, tenantId, async (trx) => {
    const widget = await trx
      .selectFrom('callbackWidgets')
      .select(['allowedOrigins', 'defaultCountry', 'agentNumbers', 'callerNumberId'])
      .where('id', '=', widgetId)
      .executeTakeFirstOrThrow();
    const connected = await trx.selectFrom('twilioConnections').select('accountSid').executeTakeFirst();
    return { widget, connected: Boolean(connected), settings: await findSettings(trx) };
  });
  if (!input.origin || !context.widget.allowedOrigins.includes(input.origin)) {
    throw refuse('invalid_request');
  }
  // A bot filled the hidden field: it is told it worked (so it learns nothing) and nothing happens.
  if (input.website) {
    deps.metrics.callbackRefusals.inc({ reason: 'honeypot' });
    return { status: 'calling', message: confirmation('calling', input.language), scheduledFor: null };
  }
  if (!context.connected || !context.widget.callerNumberId || context.widget.agentNumbers.length === 0) {
    throw refuse('unavailable');
  }
  const verdict = await deps.altcha.verify(deps.db, input.altcha, input.widgetKey);
  if (verdict !== 'ok') {
    deps.metrics.callbackRefusals.inc({ reason: `altcha_${verdict}` });
    throw refuse('verification_failed');
  }
  const phone = checkVisitorNumber(
    input.phone,
    context.widget.defaultCountry,
    context.settings.allowedCountries,
  );
  if (!phone.ok) throw refuse(phone.reason);
  if (!(await deps.limits.allow(input.clientIp))) throw refuse('too_many_requests');

  const visitorTimeZone = input.timeZone && isTimeZone(input.timeZone) ? input.timeZone : null;
  const outcome = await withTenant(deps.db, tenantId, async (trx) => {
    // Counted, not locked: two requests racing may both pass the last slot, which a daily limit tolerates.
    const since = new Date(Date.now() - 86_400_000);
    const counts = await trx
      .selectNoFrom((eb) => [
        eb
          .selectFrom('callbacks')
          .select((inner) => inner.fn.countAll<string>().as('n'))
          .where('visitorE164', '=', phone.e164)
          .where('createdAt', '>', since)
          .as('destination'),
        eb
          .selectFrom('callbacks')
          .select((inner) => inner.fn.countAll<string>().as('n'))
          .where('widgetId', '=', widgetId)
          .where('createdAt', '>', since)
          .as('widget'),
      ])
      .executeTakeFirstOrThrow();
    if (
      Number(counts.destination) >= context.settings.perNumberPerDay ||
      Number(counts.widget) >= context.settings.perWidgetPerDay
    ) {
      return 'limited' as const;
    }
    const state = await openingState(trx, widgetId);
    if (!state.open && !state.nextOpening) return undefined;
    const scheduledFor = state.open ? null : state.nextOpening;
    const callback = await trx
      .insertInto('callbacks')
      .values({
        widgetId,
        visitorE164: phone.e164,
        visitorName: input.name ?? null,
        language: input.language,
        visitorTimeZone,
        status: state.open ? 'requested' : 'scheduled',
        scheduledFor,
        requestId: input.requestId,
        businessCallSid: null,
        visitorCallSid: null,
        answeredByNumber: null,
        durationSeconds: null,
        outcomeDetail: null,
        completedAt: null,
      })
      .returning(['id', 'status'])
      .executeTakeFirstOrThrow();
    await publishCallbackChange(trx, callback);
    // The job key lets an operator cancel or move the pending call (callbacks.service.ts).
    await enqueue(
      trx,
      placeCallTask,
      { callbackId: callback.id },
      { requestId: input.requestId, jobKey: `callback:${callback.id}`, runAt: scheduledFor ?? undefined },
    );
    if (scheduledFor) {
      await enqueue(trx, notifyClosedTask, { callbackId: callback.id }, { requestId: input.requestId });
    }
    return { scheduledFor, timeZone: visitorTimeZone ?? state.timeZone ?? 'UTC' };
  });
  if (outcome === 'limited') throw refuse('too_many_requests');
  if (!outcome) throw refuse('unavailable');
  if (!outcome.scheduledFor) {
    deps.metrics.callbackRequests.inc({ outcome: 'calling' });
    return { status: 'calling', message: confirmation('calling', input.language), scheduledFor: null };
  }
  deps.metrics.callbackRequests.inc({ outcome: 'scheduled' });
  const when = formatWhen(outcome.scheduledFor, input.language, outcome.timeZone);
  return {
    status: 'scheduled',
    message: confirmation('scheduled', input.language, { when }),
    scheduledFor: outcome.scheduledFor.toISOString(),
  };
}
