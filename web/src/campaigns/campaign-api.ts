import { api, withQuery } from '../api/client';
import { keys } from '../api/queries';
import type { MessageTemplate, TemplateVariable } from './message-parts';

export type { MessageTemplate, TemplateVariable };

/** The campaign API's shapes (src/campaigns/campaigns.schemas.ts and src/campaigns/report/). */
export type ChannelKind = 'whatsapp' | 'sms' | 'lemlist';
export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
export type RecipientStatus =
  | 'queued'
  | 'skipped'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'replied'
  | 'failed'
  | 'opted_out'
  | 'cancelled';
export type VariantKey = 'A' | 'B';

export interface CampaignVariant {
  key: VariantKey;
  template?: { name: string; language: string; variables: TemplateVariable[]; headerMediaUrl?: string };
  text?: string;
}
export interface CampaignContent {
  variants: CampaignVariant[];
  lemlistCampaignId?: string;
}
export interface QuietHours {
  start: number;
  end: number;
}
export interface Campaign {
  id: string;
  name: string;
  channelKind: ChannelKind;
  channelId: string | null;
  segmentId: string | null;
  status: CampaignStatus;
  pausedReason: string | null;
  scheduledAt: string | null;
  replyHandling: 'bot' | 'human';
  content: CampaignContent;
  quietHours: QuietHours | null;
  createdByUserId: string | null;
  launchedAt: string | null;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface CampaignInput {
  name: string;
  channelKind: ChannelKind;
  channelId: string | null;
  segmentId: string | null;
  replyHandling: 'bot' | 'human';
  content: CampaignContent;
  quietHours: QuietHours | null;
}
export interface Eta {
  days: number;
  finishesAt: string | null;
}
export interface Preview {
  total: number;
  eligible: number;
  excluded: Record<string, number>;
  eta: Eta;
  cost?: { segments: number; estimateMicros: number; currency: string };
}
export interface Progress {
  status: CampaignStatus;
  pausedReason: string | null;
  counts: Partial<Record<RecipientStatus, number>>;
  sentPerSecond: number;
  eta: Eta;
}
export interface Recipient {
  id: string;
  contactId: string;
  /** First and last name, else the profile name; null when the contact has none. */
  contactName: string | null;
  variant: VariantKey;
  status: RecipientStatus;
  skipReason: string | null;
  errorCode: string | null;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
  repliedAt: string | null;
  failedAt: string | null;
}
export type FunnelStage = 'sent' | 'delivered' | 'read' | 'replied' | 'qualified' | 'quoted' | 'won';
export const FUNNEL_STAGES: readonly FunnelStage[] = [
  'sent',
  'delivered',
  'read',
  'replied',
  'qualified',
  'quoted',
  'won',
];
export interface CampaignReport {
  campaign: { id: string; name: string; status: CampaignStatus; launchedAt: string | null };
  variants: {
    variant: VariantKey;
    label: string;
    recipients: number;
    notSent: number;
    funnel: Record<FunnelStage, number>;
  }[];
  total: { recipients: number; notSent: number; funnel: Record<FunnelStage, number> };
  generatedAt: string;
}
export interface Segment {
  id: string;
  name: string;
}
export interface ChannelOption {
  id: string;
  label: string;
}
export interface CustomField {
  key: string;
  label: string;
}

export const campaignKeys = {
  list: (cursor: string | null) => [...keys.campaigns, 'list', cursor] as const,
  campaign: (id: string) => keys.campaign(id),
  progress: (id: string) => [...keys.campaign(id), 'progress'] as const,
  recipients: (id: string, status: string, cursor: string | null) =>
    [...keys.campaign(id), 'recipients', status, cursor] as const,
  report: (id: string) => [...keys.campaign(id), 'report'] as const,
  segments: ['segments'] as const,
  channels: (kind: ChannelKind) => ['campaign-channels', kind] as const,
  customFields: ['custom-fields'] as const,
};

type Signal = { signal: AbortSignal };

export const campaignApi = {
  list: (cursor: string | null, { signal }: Signal) =>
    api<{ items: Campaign[]; nextCursor: string | null }>(
      'GET',
      withQuery('/campaigns', { limit: 25, cursor }),
      undefined,
      { signal },
    ),
  get: (id: string, { signal }: Signal) => api<Campaign>('GET', `/campaigns/${id}`, undefined, { signal }),
  create: (input: CampaignInput) => api<Campaign>('POST', '/campaigns', input),
  update: (id: string, input: Partial<CampaignInput>) => api<Campaign>('PATCH', `/campaigns/${id}`, input),
  remove: (id: string) => api<void>('DELETE', `/campaigns/${id}`),
  preview: (id: string) => api<Preview>('POST', `/campaigns/${id}/preview`, {}),
  launch: (id: string, scheduledAt: string | null) =>
    api<Campaign>('POST', `/campaigns/${id}/launch`, scheduledAt ? { scheduledAt } : {}),
  act: (id: string, action: 'pause' | 'resume' | 'cancel' | 'retry-failed') =>
    api<unknown>('POST', `/campaigns/${id}/${action}`, {}),
  progress: (id: string, { signal }: Signal) =>
    api<Progress>('GET', `/campaigns/${id}/progress`, undefined, { signal }),
  recipients: (id: string, status: string, cursor: string | null, { signal }: Signal) =>
    api<{ items: Recipient[]; nextCursor: string | null }>(
      'GET',
      withQuery(`/campaigns/${id}/recipients`, { status, cursor, limit: 50 }),
      undefined,
      { signal },
    ),
  report: (id: string, { signal }: Signal) =>
    api<CampaignReport>('GET', `/campaigns/${id}/report`, undefined, { signal }),
  segments: async ({ signal }: Signal) =>
    (await api<{ items: Segment[] }>('GET', '/segments?limit=100', undefined, { signal })).items,
  templates: async (channelId: string, { signal }: Signal) =>
    (
      await api<{ items: MessageTemplate[] }>('GET', `/whatsapp/channels/${channelId}/templates`, undefined, {
        signal,
      })
    ).items,
  customFields: async ({ signal }: Signal) =>
    (await api<{ items: CustomField[] }>('GET', '/custom-fields', undefined, { signal })).items,
  channels: async (kind: ChannelKind, { signal }: Signal): Promise<ChannelOption[]> => {
    if (kind === 'whatsapp') {
      const { items } = await api<{
        items: { id: string; name: string; displayPhoneNumber: string; disabled: boolean }[];
      }>('GET', '/whatsapp/channels?limit=100', undefined, { signal });
      return items
        .filter((channel) => !channel.disabled)
        .map((channel) => ({ id: channel.id, label: `${channel.name} (${channel.displayPhoneNumber})` }));
    }
    if (kind === 'sms') {
      const { items } = await api<{ items: { id: string; phoneE164: string; sms: boolean }[] }>(
        'GET',
        '/twilio/numbers',
        undefined,
        { signal },
      );
      return items
        .filter((number) => number.sms)
        .map((number) => ({ id: number.id, label: number.phoneE164 }));
    }
    return [];
  },
};
