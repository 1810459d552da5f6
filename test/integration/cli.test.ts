import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionError,
  getJson,
  type LeadlineProcess,
  pollUntil,
  runLeadline,
  startLeadline,
  within,
} from '../fixtures/leadline-process.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import { freePort } from '../support/free-port.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const tempDirs: string[] = [];
const children: LeadlineProcess[] = [];
const databases: TestDatabase[] = [];
/** Embedded clusters a test started; stopped in afterAll if a failed test left one running. */
const embeddedDataDirs: string[] = [];
let cwd: string;

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function leadline(args: string[], env: Record<string, string>): LeadlineProcess {
  const child = startLeadline(args, env, cwd);
  children.push(child);
  return child;
}

async function cloneDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
}

/** A configuration that needs no generated secret and writes nothing outside its own temporary DATA_DIR. */
function baseEnv(database: TestDatabase, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    SECRET_KEY: TEST_SECRET_KEY,
    DATA_DIR: tempDir('leadline-cli-data-'),
    DATABASE_URL: database.ownerUrl,
    DATABASE_APP_URL: database.appUrl,
    LOG_LEVEL: 'info',
    WORKER_POLL_INTERVAL_MS: '200',
    ...overrides,
  };
}

async function httpPorts(): Promise<{ PORT: string; METRICS_PORT: string }> {
  return { PORT: String(await freePort()), METRICS_PORT: String(await freePort()) };
}

async function waitForReady(port: string, child: LeadlineProcess, timeoutMs: number): Promise<unknown> {
  return pollUntil(`GET :${port}/ready to answer 200`, timeoutMs, async () => {
    if (child.child.exitCode !== null) {
      throw new Error(`leadline exited with ${child.child.exitCode}: ${child.stderr()}${child.stdout()}`);
    }
    const ready = await getJson(`http://127.0.0.1:${port}/ready`);
    return ready.status === 200 ? ready.body : undefined;
  });
}

function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postgres', 'data', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  return Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
}

/** Cleanup only: SIGINT is PostgreSQL's "fast shutdown", for a cluster a killed `serve` left behind. */
async function stopLeftoverCluster(dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (!pid) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  await pollUntil('the leftover embedded PostgreSQL to stop', 30_000, async () =>
    postmasterPid(dataDir) === undefined ? true : undefined,
  ).catch(() => {});
}

/** An HTTP/1.1 keep-alive connection that has completed one request and now sits idle. */
async function idleKeepAliveConnection(port: string): Promise<{ socket: Socket; closed: Promise<unknown> }> {
  const socket = connect(Number(port), '127.0.0.1');
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('utf8');
  });
  socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  await pollUntil('the keep-alive response', 5_000, async () =>
    received.includes('{"status":"ok"}') ? true : undefined,
  );
  expect(received).toMatch(/^HTTP\/1\.1 200 /);
  expect(received.toLowerCase()).toContain('connection: keep-alive');
  return { socket, closed };
}

beforeAll(() => {
  // The children run in an empty directory: no stray .env is read, nothing is written into the repository.
  cwd = tempDir('leadline-cli-cwd-');
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()));
  await Promise.all(embeddedDataDirs.map(stopLeftoverCluster));
  await Promise.all(databases.map((database) => database.drop()));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('invalid configuration', () => {
  it.each(['serve', 'worker', 'doctor', 'migrate up'])(
    '`leadline %s` exits 1 listing every problem at once, without waiting for input',
    async (command) => {
      const dataDir = tempDir('leadline-cli-invalid-');
      const result = await runLeadline(
        command.split(' '),
        { DATA_DIR: dataDir, PORT: 'abc', LOG_LEVEL: 'loud', NODE_ENV: 'production' },
        cwd,
        15_000,
      );
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^Invalid configuration:/);
      for (const name of ['PORT', 'LOG_LEVEL', 'SECRET_KEY', 'PUBLIC_URL']) {
        expect(result.stderr).toMatch(new RegExp(`^ {2}- ${name}: `, 'm'));
      }
      expect(result.stderr).not.toMatch(/\n\s+at /); // a message for an operator, not a stack trace
      expect(result.stdout).toBe('');
      expect(existsSync(path.join(dataDir, 'secrets.json'))).toBe(false);
    },
  );
});

describe('leadline doctor', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await cloneDatabase();
  });

  it('passes a sane development configuration against a migrated database', async () => {
    const { SECRET_KEY: _generated, ...env } = baseEnv(database, { NODE_ENV: 'development' });
    const result = await runLeadline(['doctor'], env, cwd);
    expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).not.toMatch(/^FAIL/m);
    expect(result.stdout).toMatch(/^ok +row-level security role: /m);
    expect(result.stdout).toMatch(/^ok +migrations: schema is current/m);
    expect(result.stdout).toMatch(/^ok +secret key: generated for development/m);
  });

  it('fails a production configuration with an http PUBLIC_URL and public metrics without a token', async () => {
    const env = baseEnv(database, {
      NODE_ENV: 'production',
      PUBLIC_URL: 'http://leads.example.com',
      METRICS_HOST: '0.0.0.0',
    });
    const result = await runLeadline(['doctor'], env, cwd);
    expect(result.code, `${result.stdout}${result.stderr}`).toBe(1);
    const failed = [...result.stdout.matchAll(/^FAIL ([^:]+):/gm)].map((match) => match[1]);
    expect(failed.sort()).toEqual(['HTTPS', 'metrics exposure']);
    expect(result.stdout).toMatch(/^FAIL metrics exposure: METRICS_HOST=0\.0\.0\.0 /m);
  });

  it('fails when DATABASE_APP_URL logs in as the owner, which row-level security does not bind', async () => {
    const env = baseEnv(database, { DATABASE_APP_URL: database.ownerUrl });
    const result = await runLeadline(['doctor'], env, cwd);
    expect(result.code, `${result.stdout}${result.stderr}`).toBe(1);
    expect(result.stdout).toMatch(/^FAIL row-level security role: .*superuser/m);
  });
});

describe('leadline serve (external database)', () => {
  it('becomes ready, then on SIGTERM closes idle keep-alive connections, stops and exits 0', async () => {
    const database = await cloneDatabase();
    const ports = await httpPorts();
    const serve = leadline(['serve'], baseEnv(database, { ...ports, SHUTDOWN_TIMEOUT_MS: '20000' }));

    const ready = await waitForReady(ports.PORT, serve, 30_000);
    expect(ready).toEqual({
      status: 'ready',
      checks: { database: true, migrations: true, worker: true },
      dependencies: expect.any(Object),
    });
    expect(await getJson(`http://127.0.0.1:${ports.PORT}/health`)).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    const metrics = await getJson(`http://127.0.0.1:${ports.METRICS_PORT}/metrics`);
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).toContain('http_request_duration_seconds');

    const keepAlive = await idleKeepAliveConnection(ports.PORT);
    const started = Date.now();
    // Well inside SHUTDOWN_TIMEOUT_MS: an idle connection holding the server open would miss this bound.
    const exit = await serve.stop('SIGTERM', 8_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(await within(keepAlive.closed, 2_000)).not.toBe('timeout');

    const messages = serve.logMessages();
    const shuttingDown = messages.indexOf('shutting down');
    expect(shuttingDown).toBeGreaterThanOrEqual(0);
    expect(messages.indexOf('stopped')).toBeGreaterThan(shuttingDown);
    expect(serve.stdout()).toContain('"signal":"SIGTERM"');
    expect(serve.stderr()).toBe('');

    expect(await connectionError(Number(ports.PORT))).toBe('ECONNREFUSED');
    expect(await connectionError(Number(ports.METRICS_PORT))).toBe('ECONNREFUSED');
  }, 60_000);
});

describe('leadline serve (embedded PostgreSQL)', () => {
  it('initialises a cluster in DATA_DIR, stops it on SIGINT, and reuses it on the next start', async () => {
    // From os.tmpdir(): as root the cluster runs as `postgres`, which must be able to traverse the path.
    const dataDir = tempDir('leadline-embedded-');
    embeddedDataDirs.push(dataDir);
    const pgPort = await freePort();
    const env = async () => ({
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(pgPort),
      LOG_LEVEL: 'info',
      ...(await httpPorts()),
    });

    const firstEnv = await env();
    const first = leadline(['serve'], firstEnv);
    expect(await waitForReady(firstEnv.PORT, first, 90_000)).toEqual({
      status: 'ready',
      checks: { database: true, migrations: true, worker: true },
      dependencies: expect.any(Object),
    });
    const secretsFile = path.join(dataDir, 'secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = readFileSync(secretsFile, 'utf8');
    if (process.getuid?.() === 0) {
      expect(statSync(path.join(dataDir, 'postgres', 'data')).uid).not.toBe(0);
    }
    expect(postmasterPid(dataDir)).toBeGreaterThan(0);

    expect(await first.stop('SIGINT', 30_000)).toEqual({ code: 0, signal: null });
    expect(first.logMessages()).toEqual(
      expect.arrayContaining(['initialising embedded PostgreSQL', 'migrations applied', 'stopped']),
    );
    expect(await connectionError(pgPort)).toBe('ECONNREFUSED');
    expect(postmasterPid(dataDir)).toBeUndefined();

    const secondEnv = await env();
    const second = leadline(['serve'], secondEnv);
    expect(await waitForReady(secondEnv.PORT, second, 60_000)).toMatchObject({ status: 'ready' });
    expect(await second.stop('SIGINT', 30_000)).toEqual({ code: 0, signal: null });
    const secondMessages = second.logMessages();
    expect(secondMessages).toContain('stopped');
    expect(secondMessages).not.toContain('initialising embedded PostgreSQL');
    expect(secondMessages).not.toContain('migrations applied');
    // Not left running by the first start either: this start found it stopped and started it itself.
    expect(secondMessages).not.toContain('embedded PostgreSQL was already running; reusing it');
    expect(readFileSync(secretsFile, 'utf8')).toBe(secrets);
    expect(await connectionError(pgPort)).toBe('ECONNREFUSED');
    expect(postmasterPid(dataDir)).toBeUndefined();
  }, 180_000);
});

describe('leadline serve --no-worker beside leadline worker', () => {
  it('is not ready without a worker heartbeat and ready once `leadline worker` runs', async () => {
    const database = await cloneDatabase();
    const ports = await httpPorts();
    const serve = leadline(['serve', '--no-worker'], baseEnv(database, ports));
    const health = `http://127.0.0.1:${ports.PORT}`;

    await pollUntil('the HTTP server to answer /health', 30_000, async () => {
      if (serve.child.exitCode !== null) throw new Error(`serve exited: ${serve.stderr()}`);
      return (await getJson(`${health}/health`)).status === 200 ? true : undefined;
    });
    expect(await getJson(`${health}/ready`)).toEqual({
      status: 503,
      body: {
        status: 'not_ready',
        checks: { database: true, migrations: true, worker: false },
        dependencies: expect.any(Object),
      },
    });
    expect(serve.logMessages()).not.toContain('job worker started');

    const worker = leadline(['worker'], baseEnv(database));
    expect(await waitForReady(ports.PORT, serve, 30_000)).toEqual({
      status: 'ready',
      checks: { database: true, migrations: true, worker: true },
      dependencies: expect.any(Object),
    });
    expect(worker.logMessages()).toContain('job worker started');

    expect(await worker.stop('SIGTERM', 20_000)).toEqual({ code: 0, signal: null });
    expect(worker.logMessages()).toContain('stopped');
    // A cleanly stopped worker removes its heartbeat: readiness drops at once, not after it goes stale.
    await pollUntil('readiness to report the worker gone', 5_000, async () => {
      const ready = await getJson(`${health}/ready`);
      return ready.status === 503 ? ready : undefined;
    });

    expect(await serve.stop('SIGTERM', 20_000)).toEqual({ code: 0, signal: null });
    expect(serve.logMessages()).toContain('stopped');
  }, 90_000);
});

describe('leadline backup, backup verify and restore', () => {
  it('back up, verify (exit 0), refuse a wrong key and a non-empty target (exit 1), restore into an empty one', async () => {
    const source = await cloneDatabase();
    const backupDir = tempDir('leadline-cli-backups-');
    const key = 'ab'.repeat(32);
    const env = baseEnv(source, { BACKUP_KEY: key, BACKUP_DIR: backupDir, LOG_LEVEL: 'warn' });

    const backup = await runLeadline(['backup'], env, cwd, 60_000);
    expect(backup.code, backup.stderr).toBe(0);
    const archive = /wrote (\S+\.llbk)/.exec(backup.stdout)?.[1] as string;
    expect(existsSync(archive)).toBe(true);

    const verified = await runLeadline(['backup', 'verify'], env, cwd, 90_000);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^verified .*: \d+ tables, \d+ rows identical/);

    const wrongKey = await runLeadline(
      ['backup', 'verify', archive],
      { ...env, BACKUP_KEY: 'cd'.repeat(32) },
      cwd,
      90_000,
    );
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toMatch(/FAILED[\s\S]*another key/);

    const intoItself = await runLeadline(['restore', archive], env, cwd, 60_000);
    expect(intoItself.code).toBe(1);
    expect(intoItself.stderr).toMatch(/not empty/);

    const target = await createTestDatabase({ migrated: false });
    databases.push(target);
    const restored = await runLeadline(
      ['restore', archive],
      { ...env, DATABASE_URL: target.ownerUrl, DATABASE_APP_URL: target.appUrl },
      cwd,
      90_000,
    );
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/^restored leadline-\d{8}T\d{6}Z: \d+ tables, \d+ rows/);
  }, 240_000);
});
