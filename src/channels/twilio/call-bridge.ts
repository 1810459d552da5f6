import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { type CallBridge, type SmsSender, TelephonyError } from '../../widgets/ports.js';
import { findConnection, restCredentials, twilioSecretBox } from './connection.service.js';
import { TwilioApiError, type TwilioCredentials, type TwilioRestClient } from './rest.client.js';

/** Where Twilio reaches Leadline about one call-back: signed endpoints under PUBLIC_URL. */
export function voiceUrl(
  config: Pick<Config, 'http'>,
  tenantId: string,
  callbackId: string,
  path: string,
): string {
  return `${config.http.publicUrl}/webhooks/twilio/${tenantId}/callbacks/${callbackId}/${path}`;
}

function telephonyError(error: unknown): TelephonyError {
  if (error instanceof TwilioApiError)
    return new TelephonyError(error.message, error.retryable, { cause: error });
  if (error instanceof TelephonyError) return error;
  return new TelephonyError('Twilio request failed', true, { cause: error });
}

/** The CallBridge and SmsSender ports over Twilio's REST API, with each workspace's own credentials. */
export function createTwilioCallBridge(options: {
  db: Db;
  config: Pick<Config, 'http' | 'secretKey' | 'previousSecretKeys'>;
  rest: TwilioRestClient;
}): CallBridge & SmsSender {
  const box = twilioSecretBox(options.config);
  const credentials = async (tenantId: string): Promise<TwilioCredentials> => {
    const connection = await withTenant(options.db, tenantId, findConnection);
    if (!connection) throw new TelephonyError('Twilio is not connected', false);
    return restCredentials(box, connection);
  };
  return {
    async callBusiness(tenantId, leg) {
      try {
        const call = await options.rest.createCall(await credentials(tenantId), {
          to: leg.agentNumber,
          from: leg.callerNumber,
          url: voiceUrl(options.config, tenantId, leg.callbackId, 'whisper'),
          statusCallback: voiceUrl(options.config, tenantId, leg.callbackId, 'status/business'),
          timeoutSeconds: leg.ringSeconds,
          machineDetection: leg.machineDetection,
        });
        return { callSid: call.sid };
      } catch (error) {
        throw telephonyError(error);
      }
    },
    async endCall(tenantId, callSid) {
      try {
        await options.rest.endCall(await credentials(tenantId), callSid);
      } catch (error) {
        throw telephonyError(error);
      }
    },
    async send(tenantId, message) {
      try {
        const sent = await options.rest.sendSms(await credentials(tenantId), message);
        return { messageSid: sent.sid };
      } catch (error) {
        throw telephonyError(error);
      }
    },
  };
}
