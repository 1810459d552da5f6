import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';
import type { CallbackStatus } from './callback-state.js';

export const CALLBACK_LANGUAGES = ['en', 'it', 'pt', 'es'] as const;
export type CallbackLanguage = (typeof CALLBACK_LANGUAGES)[number];

/** Per language: the widget's title, button label and consent line (defaults apply when absent). */
export type WidgetTexts = Partial<
  Record<CallbackLanguage, { title?: string; button?: string; consent?: string }>
>;
export interface WidgetColors {
  accent?: string;
  text?: string;
}

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
  texts: JsonColumn<WidgetTexts>;
  colors: JsonColumn<WidgetColors>;
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
  /** The visitor's browser time zone, for telling them when they will be called. */
  visitorTimeZone: string | null;
  status: CallbackStatus;
  attempts: Generated<number>;
  scheduledFor: Date | null;
  /** Every business leg placed in the current attempt (all agents at once, or one after another). */
  businessCallSids: Generated<string[]>;
  /** The business leg whose agent pressed 1. */
  businessCallSid: string | null;
  /** Sequential ringing: the agent number being called. */
  agentIndex: Generated<number>;
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
