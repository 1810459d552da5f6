import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDatabaseGauges } from '../../src/platform/metrics/database-gauges.js';
import { createMetrics } from '../../src/platform/metrics/metrics.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const run = promisify(execFile);
const OPS = path.resolve(import.meta.dirname, '../../ops');
const RULES = path.join(OPS, 'prometheus/alerts.yml');
const DASHBOARD = path.join(OPS, 'grafana/leadline.json');

/** promtool ships in Debian's `prometheus` package; .ci/run installs it. */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: path.dirname(RULES) });
    return `${stdout}${stderr}`;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error('promtool is not installed: `apt-get install -y prometheus` (Debian) provides it');
    }
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

const METRIC = /\b(leadline_[a-z0-9_]+|http_request_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+)\b/g;

describe('Prometheus alert rules', () => {
  let database: TestDatabase;
  let exported: Set<string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const metrics = createMetrics();
    registerDatabaseGauges(metrics.registry, database.db);
    exported = new Set();
    for (const metric of metrics.registry.getMetricsAsArray()) {
      const { name, type } = metric as unknown as { name: string; type: string };
      exported.add(name);
      if (type === 'histogram')
        for (const suffix of ['_bucket', '_count', '_sum']) exported.add(`${name}${suffix}`);
    }
  });

  afterAll(async () => {
    await database.drop();
  });

  it('pass `promtool check rules`', async () => {
    expect(await promtool('check', 'rules', RULES)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their unit tests (`promtool test rules`): each alert fires when it should and not otherwise', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });

  it('and the Grafana dashboard name only metrics Leadline exports', () => {
    for (const file of [RULES, DASHBOARD]) {
      const named = new Set(readFileSync(file, 'utf8').match(METRIC) ?? []);
      expect(named.size, file).toBeGreaterThan(3);
      expect(
        [...named].filter((name) => !exported.has(name)),
        file,
      ).toEqual([]);
    }
  });
});
