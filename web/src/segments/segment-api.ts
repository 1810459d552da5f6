import { useQuery } from '@tanstack/react-query';
import { api, withQuery } from '../api/client';
import { t } from '../i18n/i18n';

export type FieldOp =
  | 'equals'
  | 'contains'
  | 'empty'
  | 'not_empty'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'before'
  | 'after';
export interface FieldCondition {
  key: string;
  op: FieldOp;
  value?: string | number | boolean;
}
export interface LastActivity {
  direction: 'any' | 'inbound' | 'outbound';
  after?: string;
  before?: string;
  withinDays?: number;
  olderThanDays?: number;
}
/** What `POST /segments/preview` and the saved segment hold (see src/segments/audience.ts). */
export interface SegmentFilter {
  labels?: { match: 'any' | 'all'; labelIds: string[] };
  stageIds?: string[];
  fields?: FieldCondition[];
  sources?: string[];
  lastActivity?: LastActivity;
  importId?: string;
  importChange?: 'created' | 'updated';
}
export interface Segment {
  id: string;
  name: string;
  filter: SegmentFilter;
  createdAt: string;
  updatedAt: string;
}
export type Channel = 'whatsapp' | 'sms' | 'email';
export const EXCLUSION_REASONS = [
  'no_consent',
  'opted_out',
  'invalid_number',
  'no_email',
  'suppressed',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];
/** Why a contact of the audience cannot be messaged, for people. */
export const exclusionLabel = (reason: ExclusionReason): string =>
  ({
    no_consent: t('segments.excluded.noConsent'),
    opted_out: t('segments.excluded.optedOut'),
    invalid_number: t('segments.excluded.invalidNumber'),
    no_email: t('segments.excluded.noEmail'),
    suppressed: t('segments.excluded.suppressed'),
  })[reason];
export interface Preview {
  total: number;
  eligible: number;
  excluded: Record<ExclusionReason, number>;
  sample: {
    id: string;
    name: string | null;
    phoneE164: string;
    email: string | null;
    reason: ExclusionReason | null;
  }[];
}
export interface CustomField {
  id: string;
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'select' | 'boolean';
  options: string[];
}
export interface ImportSummary {
  id: string;
  fileName: string;
  createdAt: string;
}

export const segmentKeys = {
  list: ['segments'] as const,
  one: (id: string) => ['segments', id] as const,
};

export function useSegments() {
  return useQuery({
    queryKey: segmentKeys.list,
    queryFn: async ({ signal }) =>
      (await api<{ items: Segment[] }>('GET', withQuery('/segments', { limit: 100 }), undefined, { signal }))
        .items,
  });
}

export function useCustomFields() {
  return useQuery({
    queryKey: ['custom-fields'],
    queryFn: async ({ signal }) =>
      (await api<{ items: CustomField[] }>('GET', '/custom-fields', undefined, { signal })).items,
  });
}

export function useImports() {
  return useQuery({
    queryKey: ['contact-imports', 'for-segments'],
    queryFn: async ({ signal }) =>
      (
        await api<{ items: ImportSummary[] }>(
          'GET',
          withQuery('/contact-imports', { limit: 50 }),
          undefined,
          { signal },
        )
      ).items,
  });
}
