import type { Generated, Selectable } from 'kysely';

export const CALLBACK_LANGUAGES = ['en', 'it', 'pt', 'es'] as const;
export type CallbackLanguage = (typeof CALLBACK_LANGUAGES)[number];

export interface CallbackSettingsTable {
  tenantId: Generated<string>;
  /** ISO 3166-1 alpha-2 codes of the countries visitors' numbers may be in; empty: none. */
  allowedCountries: string[];
  retryAfterMinutes: Generated<number>;
  maxRetries: Generated<number>;
  machineDetection: Generated<boolean>;
  perNumberPerDay: Generated<number>;
  perWidgetPerDay: Generated<number>;
  notifyEmail: string | null;
  notifySmsE164: string | null;
  updatedAt: Generated<Date>;
}

export interface CallbackWidgetsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  publicKey: string;
  name: string;
  allowedOrigins: string[];
  defaultCountry: Generated<string>;
  texts: Generated<Record<string, Record<string, string>>>;
  colors: Generated<Record<string, string>>;
  /** Numbers Leadline dials for the business: set here by an administrator, never by a request. */
  agentNumbers: string[];
  ringStrategy: Generated<'simultaneous' | 'sequential'>;
  callerNumberId: string | null;
  disabledAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface CallbacksTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  widgetId: string;
  visitorE164: string;
  visitorName: string | null;
  language: CallbackLanguage;
  status: string;
  attempts: Generated<number>;
  scheduledFor: Date | null;
  businessCallSid: string | null;
  visitorCallSid: string | null;
  answeredByNumber: string | null;
  durationSeconds: number | null;
  outcomeDetail: string | null;
  requestId: string;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
  completedAt: Date | null;
}

export interface CallbackCallEventsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  callbackId: string;
  callSid: string;
  leg: 'business' | 'visitor';
  callStatus: string;
  sequenceNumber: number;
  durationSeconds: number | null;
  receivedAt: Generated<Date>;
}

export interface AltchaUsedChallengesTable {
  signatureHash: Buffer;
  expiresAt: Date;
}

export type CallbackSettings = Selectable<CallbackSettingsTable>;
export type CallbackWidget = Selectable<CallbackWidgetsTable>;
export type Callback = Selectable<CallbacksTable>;
