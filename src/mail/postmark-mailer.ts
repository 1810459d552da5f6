import { OutboundError } from '../platform/http/outbound/errors.js';
import type { OutboundClient } from '../platform/http/outbound/outbound-client.js';
import type { Mailer } from './mailer.js';
import { assertSafeFrom } from './message.js';

export interface PostmarkMailerOptions {
  http: OutboundClient;
  apiUrl: string;
  serverToken: string;
  from: string;
  messageStream: string;
}

/**
 * Leadline's own mail through Postmark's e-mail API (`POST /email`, X-Postmark-Server-Token). Fields are
 * sent as JSON, never as raw headers; the message id rides in Metadata so Postmark's events name it. A
 * refused message (Postmark's ErrorCode, e.g. 406 inactive recipient) fails the job like an SMTP refusal.
 */
export function postmarkMailer(options: PostmarkMailerOptions): Mailer {
  assertSafeFrom(options.from);
  const { http, apiUrl, serverToken, from, messageStream } = options;
  return {
    transport: 'postmark',
    async send(message) {
      try {
        await http.request({
          method: 'POST',
          url: `${apiUrl}/email`,
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
            'x-postmark-server-token': serverToken,
          },
          body: JSON.stringify({
            From: from,
            To: message.to,
            Subject: message.subject,
            TextBody: message.text,
            MessageStream: messageStream,
            Metadata: { leadlineMessageId: message.id },
          }),
          maxBytes: 64 * 1024,
          breakerKey: 'postmark',
          // Postmark has no idempotency key: a send that may have arrived is left to the job, not repeated here.
          retryOnlyUnsent: true,
        });
      } catch (error) {
        // Postmark's error body names the recipient: only the status and ErrorCode are kept.
        if (error instanceof OutboundError && error.details.status !== undefined) {
          throw new Error(
            `Postmark refused the message: HTTP ${error.details.status} ${postmarkErrorCode(error)}`,
          );
        }
        throw error;
      }
    },
    async close() {
      await http.close();
    },
  };
}

function postmarkErrorCode(error: OutboundError): string {
  try {
    const body = JSON.parse(error.details.body?.toString('utf8') ?? '{}') as { ErrorCode?: unknown };
    return typeof body.ErrorCode === 'number' ? `(ErrorCode ${body.ErrorCode})` : '';
  } catch {
    return '';
  }
}
