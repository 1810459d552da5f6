import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';

export interface Stage {
  id: string;
  name: string;
  position: number;
  outcome: 'open' | 'won' | 'lost';
  autoEvent: string | null;
}
export interface ConsentEntry {
  channel: string;
  state: 'opted_in' | 'opted_out';
  source: string;
  recordedAt: string;
}
export interface ContactSummary {
  id: string;
  phoneE164: string;
  displayName: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  email: string | null;
  stageId: string | null;
  source: string | null;
  createdAt: string;
}

export const stagesKey = ['pipeline-stages'] as const;

export function useStages() {
  return useQuery({
    queryKey: stagesKey,
    queryFn: async ({ signal }) =>
      (await api<{ items: Stage[] }>('GET', '/pipeline/stages', undefined, { signal })).items,
  });
}

/** A contact without a stage is in the first one. */
export function stageName(stages: Stage[] | undefined, stageId: string | null): string {
  if (!stages) return '';
  return (stageId === null ? stages[0] : stages.find((s) => s.id === stageId))?.name ?? '';
}
