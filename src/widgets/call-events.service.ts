import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import {
  businessOutcome,
  type CallbackStatus,
  ENDED_CALL_STATUSES,
  TERMINAL,
  visitorOutcome,
} from './callback-state.js';
import { endOtherLegsTask, placeCallTask } from './callback-task-refs.js';
import { moveCallback } from './callbacks.repository.js';
import { whisper } from './messages.js';
import { findSettings } from './widgets.service.js';
import type { Callback, CallbackLanguage } from './widgets.table.js';

export interface LegEvent {
  callSid: string;
  callStatus: string;
  sequenceNumber: number;
  durationSeconds: number | null;
}

/**
 * What the telephony webhooks tell the call-back domain, and what it answers. Implemented here; the
 * Twilio webhook routes (src/channels/twilio/voice-webhooks.routes.ts) call it after checking signatures.
 */
export interface CallbackCallEvents {
  /** What an agent hears on answering; undefined when the call-back no longer waits for an agent. */
  whisper(
    tenantId: string,
    callbackId: string,
    callSid: string,
  ): Promise<{ text: string; language: CallbackLanguage } | undefined>;
  /** An agent pressed 1: the first one takes the call-back; the others get undefined (and hang up). */
  accept(
    tenantId: string,
    callbackId: string,
    callSid: string,
    requestId: string,
  ): Promise<{ visitorNumber: string; callerNumber: string; language: CallbackLanguage } | undefined>;
  legStatus(
    tenantId: string,
    callbackId: string,
    leg: 'business' | 'visitor',
    event: LegEvent,
    requestId: string,
  ): Promise<'applied' | 'duplicate' | 'stale' | 'early' | 'ignored'>;
  dialFinished(
    tenantId: string,
    callbackId: string,
    outcome: { dialCallStatus: string; durationSeconds: number | null; visitorCallSid: string | null },
  ): Promise<void>;
}

async function lockCallback(trx: TenantTransaction, callbackId: string): Promise<Callback | undefined> {
  return trx.selectFrom('callbacks').selectAll().where('id', '=', callbackId).forUpdate().executeTakeFirst();
}

function finished(metrics: Metrics | undefined, moved: Callback | undefined) {
  if (moved && TERMINAL.has(moved.status)) metrics?.callbackOutcomes.inc({ status: moved.status });
  return moved;
}

/** Every business leg of the attempt has ended and nobody took the call: next agent, retry, or give up. */
async function businessAttemptEnded(
  trx: TenantTransaction,
  callback: Callback,
  lastStatus: string,
  requestId: string,
  metrics: Metrics | undefined,
) {
  const widget = await trx
    .selectFrom('callbackWidgets')
    .select(['agentNumbers', 'ringStrategy'])
    .where('id', '=', callback.widgetId)
    .executeTakeFirst();
  if (widget?.ringStrategy === 'sequential' && callback.agentIndex + 1 < widget.agentNumbers.length) {
    await enqueue(
      trx,
      placeCallTask,
      { callbackId: callback.id, agentIndex: callback.agentIndex + 1 },
      { requestId },
    );
    return;
  }
  const settings = await findSettings(trx);
  if (callback.attempts <= settings.maxRetries) {
    const retryAt = new Date(Date.now() + settings.retryAfterMinutes * 60_000);
    await moveCallback(trx, callback.id, ['calling_business'], 'scheduled', {
      scheduledFor: retryAt,
      outcomeDetail: `business did not answer (${lastStatus}); retry ${callback.attempts} of ${settings.maxRetries}`,
    });
    await enqueue(
      trx,
      placeCallTask,
      { callbackId: callback.id },
      {
        requestId,
        jobKey: `callback:${callback.id}`,
        runAt: retryAt,
      },
    );
    return;
  }
  finished(
    metrics,
    await moveCallback(trx, callback.id, ['calling_business'], businessOutcome(lastStatus), {
      outcomeDetail: `business did not answer (${lastStatus}) after ${callback.attempts} attempt(s)`,
      completedAt: new Date(),
    }),
  );
}

/**
 * Moves the call-back for one stored status event, exactly once per event: only the newest event of a
 * call moves the state (an older one arriving late is kept, not applied). The webhook applies an event
 * when it arrives; an event for a business leg whose CallSid the place job has not saved yet is applied
 * by that job when it saves it (applyEarlyLegEvents).
 */
async function applyLegEvent(
  trx: TenantTransaction,
  callback: Callback,
  leg: 'business' | 'visitor',
  event: LegEvent,
  requestId: string,
  metrics: Metrics | undefined,
): Promise<'applied' | 'stale'> {
  const callbackId = callback.id;
  const newer = await trx
    .selectFrom('callbackCallEvents')
    .select('id')
    .where('callSid', '=', event.callSid)
    .where('sequenceNumber', '>', event.sequenceNumber)
    .executeTakeFirst();
  if (newer) return 'stale';
  const ended = ENDED_CALL_STATUSES.has(event.callStatus);
  if (leg === 'business') {
    if (!ended || callback.status !== 'calling_business') return 'applied';
    const endedLegs = await trx
      .selectFrom('callbackCallEvents')
      .select((eb) => eb.fn.count<string>('callSid').distinct().as('count'))
      .where('callbackId', '=', callbackId)
      .where('leg', '=', 'business')
      .where('callSid', 'in', callback.businessCallSids)
      .where('callStatus', 'in', [...ENDED_CALL_STATUSES])
      .executeTakeFirst();
    if (Number(endedLegs?.count ?? 0) >= callback.businessCallSids.length) {
      await businessAttemptEnded(trx, callback, event.callStatus, requestId, metrics);
    }
    return 'applied';
  }
  const patch = { visitorCallSid: callback.visitorCallSid ?? event.callSid };
  if (event.callStatus === 'in-progress') {
    await moveCallback(trx, callbackId, ['calling_visitor'], 'connected', patch);
  } else if (ended) {
    const outcome = visitorOutcome(event.callStatus) as CallbackStatus;
    const from: CallbackStatus[] =
      outcome === 'completed' ? ['connected', 'calling_visitor'] : ['calling_visitor'];
    finished(
      metrics,
      await moveCallback(trx, callbackId, from, outcome, {
        ...patch,
        durationSeconds: event.durationSeconds,
        completedAt: new Date(),
      }),
    );
  }
  return 'applied';
}

/**
 * Called by the place job in the transaction that saves the business legs' CallSids: Twilio may have
 * posted a leg's status callback (even `failed` or `no-answer`) before its Calls.json answer reached us.
 * Those events were stored (keyed on the call-back id in the status-callback URL) but not applied; they
 * are applied now in SequenceNumber order, as if they had arrived after, so the call-back cannot be left
 * in calling_business. Later events for these sids find them saved and are applied by the webhook.
 */
export async function applyEarlyLegEvents(
  trx: TenantTransaction,
  callbackId: string,
  callSids: readonly string[],
  requestId: string,
  metrics?: Metrics,
): Promise<void> {
  if (callSids.length === 0) return;
  const early = await trx
    .selectFrom('callbackCallEvents')
    .select(['callSid', 'callStatus', 'sequenceNumber', 'durationSeconds'])
    .where('callbackId', '=', callbackId)
    .where('leg', '=', 'business')
    .where('callSid', 'in', [...callSids])
    .orderBy('sequenceNumber')
    .orderBy('receivedAt')
    .execute();
  for (const event of early) {
    // Each event sees the state the previous one left (as separate webhooks would).
    const callback = await lockCallback(trx, callbackId);
    if (!callback) return;
    await applyLegEvent(trx, callback, 'business', event, requestId, metrics);
  }
}

export function createCallbackCallEvents(db: Db, metrics?: Metrics): CallbackCallEvents {
  return {
    async whisper(tenantId, callbackId, callSid) {
      const callback = await withTenant(db, tenantId, (trx) =>
        trx.selectFrom('callbacks').selectAll().where('id', '=', callbackId).executeTakeFirst(),
      );
      if (callback?.status !== 'calling_business' || !callback.businessCallSids.includes(callSid)) {
        return undefined;
      }
      return { text: whisper(callback.language, callback.visitorName), language: callback.language };
    },

    async accept(tenantId, callbackId, callSid, requestId) {
      return withTenant(db, tenantId, async (trx) => {
        const callback = await lockCallback(trx, callbackId);
        if (!callback?.businessCallSids.includes(callSid)) return undefined;
        const caller = await trx
          .selectFrom('callbackWidgets')
          .innerJoin('twilioNumbers', 'twilioNumbers.id', 'callbackWidgets.callerNumberId')
          .select(['twilioNumbers.phoneE164', 'callbackWidgets.agentNumbers'])
          .where('callbackWidgets.id', '=', callback.widgetId)
          .executeTakeFirst();
        if (!caller) return undefined;
        const answer = {
          visitorNumber: callback.visitorE164,
          callerNumber: caller.phoneE164,
          language: callback.language,
        };
        // The same agent's key press delivered again (a retried request): the same answer.
        if (
          callback.businessCallSid === callSid &&
          ['calling_visitor', 'business_answered'].includes(callback.status)
        ) {
          return answer;
        }
        if (callback.status !== 'calling_business') return undefined;
        await moveCallback(trx, callbackId, ['calling_business'], 'business_answered', {
          businessCallSid: callSid,
        });
        await moveCallback(trx, callbackId, ['business_answered'], 'calling_visitor');
        if (callback.businessCallSids.length > 1) {
          await enqueue(trx, endOtherLegsTask, { callbackId, keepCallSid: callSid }, { requestId });
        }
        return answer;
      });
    },

    async legStatus(tenantId, callbackId, leg, event, requestId) {
      return withTenant(db, tenantId, async (trx) => {
        const callback = await lockCallback(trx, callbackId);
        if (!callback) return 'ignored';
        const stored = await trx
          .insertInto('callbackCallEvents')
          .values({
            callbackId,
            callSid: event.callSid,
            leg,
            callStatus: event.callStatus,
            sequenceNumber: event.sequenceNumber,
            durationSeconds: event.durationSeconds,
          })
          .onConflict((conflict) => conflict.columns(['tenantId', 'callSid', 'sequenceNumber']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!stored) return 'duplicate';
        // A business leg whose CallSid the place job has not saved yet (Twilio called back before its
        // Calls.json answer arrived): kept for the job, which applies it when it saves the sid.
        if (leg === 'business' && !callback.businessCallSids.includes(event.callSid)) return 'early';
        return applyLegEvent(trx, callback, leg, event, requestId, metrics);
      });
    },

    async dialFinished(tenantId, callbackId, outcome) {
      const status = visitorOutcome(outcome.dialCallStatus);
      if (!status) return;
      await withTenant(db, tenantId, async (trx) => {
        const from: CallbackStatus[] =
          status === 'completed' ? ['connected', 'calling_visitor'] : ['calling_visitor', 'connected'];
        finished(
          metrics,
          await moveCallback(trx, callbackId, from, status, {
            durationSeconds: outcome.durationSeconds,
            completedAt: new Date(),
            ...(outcome.visitorCallSid ? { visitorCallSid: outcome.visitorCallSid } : {}),
          }),
        );
      });
    },
  };
}
