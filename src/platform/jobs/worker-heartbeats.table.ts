import type { Generated } from 'kysely';

export interface WorkerHeartbeatsTable {
  workerId: string;
  hostname: string;
  pid: number;
  lastSeenAt: Generated<Date>;
}
