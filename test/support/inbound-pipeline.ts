import type { FastifyInstance } from 'fastify';
import { createQualifier } from '../../src/agent/qualifier/qualifier.js';
import { createProcessInboundTask } from '../../src/channels/whatsapp/process-inbound.task.js';
import { canonicalPhone } from '../../src/contacts/phone.js';
import type { Db } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import type { TaskContext } from '../../src/platform/jobs/task.js';
import {
  change,
  envelope,
  type MessageObject,
  serialise,
  signedHeaders,
} from '../fakes/meta-webhook-client.js';
import { captureLogger } from './log-capture.js';

const logs = captureLogger();

/** The processing task as the worker runs it, with the built-in qualifier as its agent. */
export const processInbound = createProcessInboundTask({ agent: createQualifier() });

export function conversationKeyOf(from: string): string {
  const phone = canonicalPhone(from);
  if (!phone) throw new Error(`not a phone number: ${from}`);
  return phone.key;
}

/** What the worker gives a handler: the job's tenant context and a logger. */
export function taskContext(db: Db, tenantId: string): TaskContext<'tenant'> {
  return {
    tenantId,
    requestId: 'test-job',
    jobId: 'direct',
    attempt: 1,
    logger: logs.logger,
    signal: undefined,
    withTenant: (work) => withTenant(db, tenantId, work),
  };
}

/** Runs the real `whatsapp.process-inbound` handler for the conversation of `from` on a channel. */
export function runProcessInbound(db: Db, tenantId: string, channelId: string, from: string): Promise<void> {
  return processInbound.handle(
    { channelId, conversationKey: conversationKeyOf(from) },
    taskContext(db, tenantId),
  );
}

export interface WebhookTarget {
  app: FastifyInstance;
  channelId: string;
  phoneNumberId: string;
  appSecret: string;
}

/** Posts one signed delivery of `items` to the channel's webhook, as Meta does; returns the status code. */
export async function deliverMessages(
  target: WebhookTarget,
  items: MessageObject[],
  profileName = 'Sheena Nelson',
): Promise<number> {
  const froms = [...new Set(items.map((item) => item.from))];
  const payload = envelope([
    {
      changes: [
        change(target.phoneNumberId, {
          contacts: froms.map((from) => ({ profile: { name: profileName }, wa_id: from })),
          messages: items,
        }),
      ],
    },
  ]);
  const body = serialise(payload);
  const response = await target.app.inject({
    method: 'POST',
    url: `/webhooks/whatsapp/${target.channelId}`,
    headers: signedHeaders(target.appSecret, body),
    payload: body,
  });
  return response.statusCode;
}
