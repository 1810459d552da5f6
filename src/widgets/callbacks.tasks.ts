import { calendarFor, openingState } from '../business-hours/business-hours.service.js';
import { queueMail } from '../mail/mail.task.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import { defineTask, type TaskContext } from '../platform/jobs/task.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import { applyEarlyLegEvents } from './call-events.service.js';
import { endOtherLegsTask, notifyClosedTask, placeCallTask } from './callback-task-refs.js';
import { findCallback, moveCallback } from './callbacks.repository.js';
import { confirmation, formatWhen } from './messages.js';
import { type CallBridge, type SmsSender, TelephonyError } from './ports.js';
import { findSettings } from './widgets.service.js';

export interface CallbackTaskDeps {
  bridge: CallBridge;
  sms: SmsSender;
  secretKey: string;
  ringSeconds: number;
  metrics?: Metrics;
}

async function dialPlan(trx: TenantTransaction, callbackId: string) {
  const callback = await findCallback(trx, callbackId);
  if (!callback) return undefined;
  const widget = await trx
    .selectFrom('callbackWidgets')
    .leftJoin('twilioNumbers', 'twilioNumbers.id', 'callbackWidgets.callerNumberId')
    .select([
      'callbackWidgets.agentNumbers',
      'callbackWidgets.ringStrategy',
      'twilioNumbers.phoneE164 as callerNumber',
    ])
    .where('callbackWidgets.id', '=', callback.widgetId)
    .executeTakeFirst();
  return { callback, widget, settings: await findSettings(trx) };
}

/**
 * Rings the business: every agent number at once, or the one at `agentIndex` (sequential). The call-back
 * is claimed (moved to calling_business) before any call is made, so a job retried after a crash never
 * rings twice; a provider refusal worth retrying gives the claim back and lets the job retry.
 */
export function createPlaceCallTask(deps: CallbackTaskDeps) {
  return defineTask({
    ...placeCallTask,
    async handle({ callbackId, agentIndex }, ctx) {
      const claimed = await ctx.withTenant(async (trx) => {
        const plan = await dialPlan(trx, callbackId);
        if (!plan?.widget) return undefined;
        const { callback, widget, settings } = plan;
        const sequentialNext = agentIndex !== undefined;
        if (!sequentialNext) {
          // Out of hours again (a retry that fell after closing time): wait for the next opening.
          const state = await openingState(trx, callback.widgetId);
          if (!state.open && state.nextOpening && ['requested', 'scheduled'].includes(callback.status)) {
            await moveCallback(trx, callbackId, ['requested', 'scheduled'], 'scheduled', {
              scheduledFor: state.nextOpening,
            });
            await enqueue(
              trx,
              placeCallTask,
              { callbackId },
              {
                requestId: ctx.requestId,
                jobKey: `callback:${callbackId}`,
                runAt: state.nextOpening,
              },
            );
            return undefined;
          }
        }
        if (!widget.callerNumber || widget.agentNumbers.length === 0) {
          await moveCallback(trx, callbackId, ['requested', 'scheduled', 'calling_business'], 'failed', {
            outcomeDetail: 'no caller number or agent numbers configured',
            completedAt: new Date(),
          });
          deps.metrics?.callbackOutcomes.inc({ status: 'failed' });
          return undefined;
        }
        const index = agentIndex ?? 0;
        const numbers =
          widget.ringStrategy === 'sequential'
            ? widget.agentNumbers.slice(index, index + 1)
            : widget.agentNumbers;
        if (numbers.length === 0) return undefined;
        const moved = sequentialNext
          ? await moveCallback(trx, callbackId, ['calling_business'], 'calling_business', {
              agentIndex: index,
            })
          : await moveCallback(trx, callbackId, ['requested', 'scheduled'], 'calling_business', {
              attempts: callback.attempts + 1,
              agentIndex: 0,
              businessCallSids: [],
              scheduledFor: null,
            });
        if (!moved) return undefined;
        return {
          numbers,
          callerNumber: widget.callerNumber,
          machineDetection: settings.machineDetection,
          status: callback.status,
        };
      });
      if (!claimed) return;
      const sids: string[] = [];
      try {
        for (const agentNumber of claimed.numbers) {
          const { callSid } = await deps.bridge.callBusiness(ctx.tenantId, {
            callbackId,
            agentNumber,
            callerNumber: claimed.callerNumber,
            machineDetection: claimed.machineDetection,
            ringSeconds: deps.ringSeconds,
          });
          sids.push(callSid);
        }
      } catch (error) {
        await recordPlaced(ctx, callbackId, sids, deps.metrics);
        if (sids.length > 0) return; // some agents are ringing: the attempt goes on with them
        if (error instanceof TelephonyError && error.retryable && agentIndex === undefined) {
          await ctx.withTenant((trx) =>
            moveCallback(
              trx,
              callbackId,
              ['calling_business'],
              claimed.status === 'scheduled' ? 'scheduled' : 'requested',
            ),
          );
          throw error;
        }
        await ctx.withTenant((trx) =>
          moveCallback(trx, callbackId, ['calling_business'], 'failed', {
            outcomeDetail: error instanceof Error ? error.message.slice(0, 300) : 'call refused',
            completedAt: new Date(),
          }),
        );
        deps.metrics?.callbackOutcomes.inc({ status: 'failed' });
        ctx.logger.warn({ callbackId, err: error }, 'business call could not be placed');
        return;
      }
      await recordPlaced(ctx, callbackId, sids, deps.metrics);
    },
  });
}

/**
 * Saves the legs' CallSids and, in the same transaction (under the call-back's row lock the update takes),
 * applies the status callbacks Twilio sent for them before its Calls.json answer reached us.
 */
async function recordPlaced(
  ctx: TaskContext<'tenant'>,
  callbackId: string,
  sids: string[],
  metrics: Metrics | undefined,
): Promise<void> {
  if (sids.length === 0) return;
  await ctx.withTenant(async (trx) => {
    await trx
      .updateTable('callbacks')
      .set((eb) => ({ businessCallSids: eb.fn('array_cat', [eb.ref('businessCallSids'), eb.val(sids)]) }))
      .where('id', '=', callbackId)
      .execute();
    await applyEarlyLegEvents(trx, callbackId, sids, ctx.requestId, metrics);
  });
}

/** Out of hours: tells the visitor when they will be called, and the business that a call is waiting. */
export function createNotifyClosedTask(deps: CallbackTaskDeps) {
  return defineTask({
    ...notifyClosedTask,
    async handle({ callbackId }, ctx) {
      const found = await ctx.withTenant(async (trx) => {
        const plan = await dialPlan(trx, callbackId);
        if (!plan?.widget || plan.callback.status !== 'scheduled' || !plan.callback.scheduledFor)
          return undefined;
        const calendar = await calendarFor(trx, plan.callback.widgetId);
        const tenant = await trx.selectFrom('tenants').select('name').executeTakeFirst();
        return { ...plan, calendarZone: calendar?.timeZone ?? 'UTC', business: tenant?.name ?? 'Leadline' };
      });
      if (!found?.widget?.callerNumber || !found.callback.scheduledFor) return;
      const { callback, settings } = found;
      const when = formatWhen(
        callback.scheduledFor as Date,
        callback.language,
        callback.visitorTimeZone ?? found.calendarZone,
      );
      // A retried job may send the SMS again: acceptable for a courtesy notice, and rarer than losing it.
      await deps.sms.send(ctx.tenantId, {
        to: callback.visitorE164,
        from: found.widget.callerNumber,
        body: confirmation('closed_sms', callback.language, { business: found.business, when }),
      });
      const notice = `Call-back request from ${callback.visitorName ?? callback.visitorE164} (${callback.visitorE164}); it will be called at ${formatWhen(callback.scheduledFor as Date, 'en', found.calendarZone)}.`;
      if (settings.notifySmsE164) {
        await deps.sms.send(ctx.tenantId, {
          to: settings.notifySmsE164,
          from: found.widget.callerNumber,
          body: notice,
        });
      }
      if (settings.notifyEmail) {
        const email = settings.notifyEmail;
        await ctx.withTenant((trx) =>
          queueMail(
            trx,
            deps.secretKey,
            { to: email, subject: 'Call-back request (out of hours)', text: notice },
            {
              requestId: ctx.requestId,
            },
          ),
        );
      }
    },
  });
}

/** Ends the legs of the agents who did not take the call (their phones stop ringing). */
export function createEndOtherLegsTask(deps: CallbackTaskDeps) {
  return defineTask({
    ...endOtherLegsTask,
    async handle({ callbackId, keepCallSid }, ctx) {
      const callback = await ctx.withTenant((trx) => findCallback(trx, callbackId));
      for (const sid of callback?.businessCallSids ?? []) {
        if (sid === keepCallSid) continue;
        await deps.bridge.endCall(ctx.tenantId, sid).catch((error: unknown) => {
          // A leg that already ended answers 4xx: nothing left to stop.
          if (error instanceof TelephonyError && !error.retryable) return;
          throw error;
        });
      }
    },
  });
}
