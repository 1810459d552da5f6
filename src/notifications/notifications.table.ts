import type { Generated, Selectable } from 'kysely';

export const NOTIFICATION_KINDS = [
  'handoff',
  'assigned',
  'lead_qualified',
  'quote_awaiting_approval',
  'missed_callback',
  'mention',
  'lemlist_reply',
  'automation',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const NOTIFICATION_SUBJECT_TYPES = [
  'conversation',
  'contact',
  'quote',
  'callback',
  'campaign',
] as const;
export type NotificationSubjectType = (typeof NOTIFICATION_SUBJECT_TYPES)[number];

export interface NotificationsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  userId: string;
  kind: NotificationKind;
  subjectType: NotificationSubjectType;
  subjectId: string;
  title: string;
  dedupeKey: string;
  /** Shown in the bell's list (the member's in-app preference when it was recorded). */
  inApp: Generated<boolean>;
  /** Shown as a browser notification when the member's browser allows it. */
  browser: Generated<boolean>;
  readAt: Date | null;
  createdAt: Generated<Date>;
}
export type Notification = Selectable<NotificationsTable>;

export interface NotificationPreferencesTable {
  tenantId: Generated<string>;
  userId: string;
  kind: NotificationKind;
  inApp: boolean;
  browser: boolean;
  updatedAt: Generated<Date>;
}

export interface MemberPresenceTable {
  tenantId: Generated<string>;
  userId: string;
  onlineUntil: Date;
}

export interface InboxSettingsTable {
  tenantId: Generated<string>;
  autoAssign: Generated<boolean>;
  lastAssignedUserId: string | null;
  updatedAt: Generated<Date>;
}
