import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskContext } from '../../src/platform/jobs/task.js';
import { defineTenantSweep } from '../../src/platform/jobs/tenant-sweep.js';
import { captureLogger } from '../support/log-capture.js';
import { newTenant } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The scheduled system task that works through workspaces (automations' sweep, retention, report roll-ups). */
let database: TestDatabase;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  database = await createTestDatabase();
  tenantA = await newTenant(database.db, 'A');
  tenantB = await newTenant(database.db, 'B');
});

afterAll(async () => {
  await database?.drop();
});

const systemContext = (): TaskContext<'system'> => ({
  tenantId: null,
  requestId: 'test-sweep',
  jobId: '1',
  attempt: 1,
  logger: captureLogger().logger,
  signal: undefined,
  withTenant: () => Promise.reject(new Error('a system task has no tenant')),
});

describe('defineTenantSweep', () => {
  it('is a system task on its schedule that visits each listed workspace in that workspace’s transaction', async () => {
    const asked: Date[] = [];
    const visited: { id: string; tenantSetting: string; now: Date; requestId: string }[] = [];
    const sweep = defineTenantSweep({
      id: 'test.sweep',
      schedule: '*/5 * * * *',
      maxAttempts: 2,
      db: database.db,
      tenants: (now) => {
        asked.push(now);
        return sql`select unnest(array[${tenantB}, ${tenantA}]::uuid[]) as id`;
      },
      async visit({ id, inTenant }, ctx, now) {
        const { rows } = await inTenant((trx) =>
          sql<{ setting: string }>`select current_setting('app.tenant_id') as setting`.execute(trx),
        );
        visited.push({ id, tenantSetting: rows[0]?.setting ?? '', now, requestId: ctx.requestId });
      },
    });
    expect(sweep).toMatchObject({
      id: 'test.sweep',
      scope: 'system',
      schedule: '*/5 * * * *',
      maxAttempts: 2,
    });
    expect(sweep.schema.parse({})).toEqual({});

    await sweep.handle({}, systemContext());

    expect(asked).toHaveLength(1);
    expect(visited).toEqual([
      { id: tenantB, tenantSetting: tenantB, now: asked[0], requestId: 'test-sweep' },
      { id: tenantA, tenantSetting: tenantA, now: asked[0], requestId: 'test-sweep' },
    ]);
  });

  it('fails the run at the first workspace that fails, leaving the rest to the next run', async () => {
    const visited: string[] = [];
    const sweep = defineTenantSweep({
      id: 'test.failing-sweep',
      schedule: '* * * * *',
      maxAttempts: 1,
      db: database.db,
      tenants: () => sql`select unnest(array[${tenantA}, ${tenantB}]::uuid[]) as id`,
      async visit({ id }) {
        visited.push(id);
        throw new Error('this workspace failed');
      },
    });
    await expect(sweep.handle({}, systemContext())).rejects.toThrow('this workspace failed');
    expect(visited).toEqual([tenantA]);
  });
});
