import type { Generated, Selectable } from 'kysely';

export interface TwilioConnectionsTable {
  tenantId: Generated<string>;
  accountSid: string;
  /** Sealed with the secret box (purpose `twilio-connection`); signs Twilio's webhooks. Never returned. */
  authTokenSealed: string;
  /** An API key used for REST calls instead of the auth token, when given. */
  apiKeySid: string | null;
  apiKeySecretSealed: string | null;
  friendlyName: string | null;
  verifiedAt: Date;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface TwilioNumbersTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  phoneE164: string;
  numberSid: string | null;
  sms: Generated<boolean>;
  voice: Generated<boolean>;
  createdAt: Generated<Date>;
}

export type TwilioConnection = Selectable<TwilioConnectionsTable>;
export type TwilioNumber = Selectable<TwilioNumbersTable>;
