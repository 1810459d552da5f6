import { z } from 'zod';
import { ZLine, ZText } from '../platform/http/text-fields.js';

/**
 * What a rule is made of (ADR 0042). Triggers name a window; a rule acts at most once per contact and
 * window. Every value here is data: the trigger queries compile it with Kysely, with bound parameters.
 */

const ZHours = z
  .int()
  .min(0)
  .max(24 * 90);
const ZTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (24-hour)');

/** Quote statuses a rule may wait on (a current version's status, for at least `afterHours`). */
export const QUOTE_TRIGGER_STATUSES = [
  'pending_approval',
  'approved',
  'sent',
  'viewed',
  'accepted',
  'declined',
  'expired',
] as const;

/** Campaign events as the campaign engine records them (`recordCampaignEvent`). */
export const CAMPAIGN_EVENTS = ['sent', 'delivered', 'read', 'replied', 'failed', 'opted_out'] as const;

export const ZTrigger = z
  .discriminatedUnion('type', [
    /**
     * The conversation's last message is ours (`outbound`: "no reply") or the customer's (`inbound`: "we did
     * not answer") and is at least `hours` old. The window is that message: one action per silence.
     */
    z.strictObject({
      type: z.literal('silence'),
      lastMessage: z.enum(['inbound', 'outbound']),
      hours: ZHours.min(1),
    }),
    /** A contact entered this pipeline stage (and is still in it `afterHours` later). Window: the move. */
    z.strictObject({ type: z.literal('stage_entered'), stageId: z.uuid(), afterHours: ZHours.default(0) }),
    /** A quote's current version has had this status for `afterHours` ("sent, not viewed in 48 h"). */
    z.strictObject({
      type: z.literal('quote_status'),
      status: z.enum(QUOTE_TRIGGER_STATUSES),
      afterHours: ZHours.default(0),
    }),
    /** A campaign recipient event (optionally of one campaign). Window: the event. */
    z.strictObject({
      type: z.literal('campaign_event'),
      event: z.enum(CAMPAIGN_EVENTS),
      campaignId: z.uuid().optional(),
    }),
    /** Daily or weekly at a time in the workspace's time zone, over the rule's segment. Window: the day. */
    z.strictObject({
      type: z.literal('schedule'),
      frequency: z.enum(['daily', 'weekly']),
      time: ZTime,
      /** 0 = Sunday ... 6 = Saturday; weekly only. */
      weekday: z.int().min(0).max(6).optional(),
    }),
  ])
  .refine((t) => t.type !== 'schedule' || (t.frequency === 'weekly') === (t.weekday !== undefined), {
    message: 'a weekly schedule needs a weekday, a daily one none',
    path: ['weekday'],
  });
export type AutomationTrigger = z.infer<typeof ZTrigger>;

const ZTemplateVariable = z.strictObject({
  /** What fills the variable: the contact's first name, a custom field, or fixed text. */
  source: z.union([
    z.literal('contact.firstName'),
    z.string().regex(/^contact\.fields\.[a-z][a-z0-9_]{0,39}$/, 'contact.fields.<key>'),
  ]),
  fallback: ZLine(200),
});

export const ZAction = z.discriminatedUnion('type', [
  /** An approved WhatsApp template in the contact's WhatsApp conversation (body variables in order). */
  z.strictObject({
    type: z.literal('send_template'),
    template: z.strictObject({
      name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'a template name: a-z, 0-9 and _'),
      language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a language code such as en or pt_BR'),
      variables: z.array(ZTemplateVariable).max(10).default([]),
    }),
  }),
  /** A text in the contact's SMS conversation. */
  z.strictObject({ type: z.literal('send_sms'), text: ZText(1600).pipe(z.string().min(1)) }),
  /** Assign the contact's latest conversation to a member (or to nobody). */
  z.strictObject({ type: z.literal('assign'), userId: z.uuid().nullable() }),
  z.strictObject({ type: z.literal('move_stage'), stageId: z.uuid() }),
  /** Add a label to the contact's latest conversation (its other labels stay). */
  z.strictObject({ type: z.literal('add_label'), labelId: z.uuid() }),
  /** An in-app notification to these members, or to the contact's owner when `userIds` is empty. */
  z.strictObject({
    type: z.literal('notify'),
    userIds: z.array(z.uuid()).max(20).default([]),
    title: ZLine(200),
  }),
  /** A task in HubSpot, on the contact's HubSpot record when it is synced. */
  z.strictObject({
    type: z.literal('hubspot_task'),
    subject: ZLine(200),
    dueInHours: z
      .int()
      .min(0)
      .max(24 * 90)
      .default(24),
  }),
]);
export type AutomationAction = z.infer<typeof ZAction>;

export const ZRuleInput = z.strictObject({
  name: ZLine(120),
  trigger: ZTrigger,
  /** The condition: only contacts of this segment (none: every contact the trigger names). */
  segmentId: z.uuid().nullable().default(null),
  actions: z.array(ZAction).min(1).max(10),
  dailyCap: z.int().min(1).max(100_000).default(100),
});
export type RuleInput = z.infer<typeof ZRuleInput>;

/** What one action did for one run, recorded on the run (and in the audit log). */
export type ActionOutcome =
  | { type: AutomationAction['type']; outcome: 'done'; detail?: Record<string, string | number | null> }
  | { type: AutomationAction['type']; outcome: 'skipped'; reason: string };
