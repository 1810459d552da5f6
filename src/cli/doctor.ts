import type { Config } from '../platform/config/config.js';
import { appRoleProblems, inspectAppRole } from '../platform/db/app-role.js';
import { locateDatabase } from '../platform/db/connect.js';
import { createDb, createPool } from '../platform/db/database.js';
import { appliedMigrations, expectedMigrations } from '../platform/db/migrator.js';
import type { Logger } from '../platform/logging/logger.js';

export type Verdict = 'ok' | 'warn' | 'fail';
export interface Finding {
  verdict: Verdict;
  check: string;
  detail: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Deploy checks that need only the configuration (in the spirit of Django's `check --deploy`). */
export function configFindings(config: Config): Finding[] {
  const production = config.env === 'production';
  const findings: Finding[] = [];
  const add = (ok: boolean, check: string, good: string, bad: string, severity: Verdict = 'fail') =>
    findings.push({ verdict: ok ? 'ok' : severity, check, detail: ok ? good : bad });

  add(
    config.secretKeySource === 'environment' || !production,
    'secret key',
    config.secretKeySource === 'environment' ? 'SECRET_KEY is set' : 'generated for development',
    'SECRET_KEY must be set in production',
  );
  add(
    isStrongSecret(config.secretKey),
    'secret key strength',
    'at least 32 characters with enough variety',
    'SECRET_KEY is weak: use 32+ random characters (e.g. openssl rand -base64 32)',
  );
  const https = config.http.publicUrl.startsWith('https://');
  add(
    https || !production,
    'HTTPS',
    https ? 'PUBLIC_URL is https (secure cookies, HSTS)' : 'plain HTTP is fine outside production',
    'PUBLIC_URL must be https in production: cookies are Secure-only and HSTS is sent',
  );
  const metricsPrivate = LOOPBACK.has(config.metrics.host) || Boolean(config.metrics.token);
  add(
    metricsPrivate,
    'metrics exposure',
    `metrics on ${config.metrics.host}:${config.metrics.port}${config.metrics.token ? ', and behind a token on the main port' : ''}`,
    `METRICS_HOST=${config.metrics.host} exposes /metrics without a token: bind it to 127.0.0.1 or set METRICS_TOKEN`,
  );
  if (config.metrics.token) {
    add(isStrongSecret(config.metrics.token), 'metrics token strength', 'strong', 'METRICS_TOKEN is weak');
  }
  if (config.operatorApiToken) {
    add(
      isStrongSecret(config.operatorApiToken),
      'operator token strength',
      'strong',
      'OPERATOR_API_TOKEN is weak: it changes every workspace plan; use 32+ random characters',
    );
  }
  const verbose = config.log.level === 'debug' || config.log.level === 'trace';
  add(
    !(production && verbose),
    'log level',
    `LOG_LEVEL=${config.log.level}`,
    'LOG_LEVEL debug/trace logs message bodies: not for production',
  );
  add(
    Boolean(config.database.url) || !production,
    'database server',
    config.database.url ? 'DATABASE_URL is set' : 'embedded PostgreSQL (development)',
    'production should run on a PostgreSQL server (DATABASE_URL) with backups',
    'warn',
  );
  const scheduled = Boolean(config.backups.key && config.backups.schedule);
  add(
    scheduled || !production,
    'backups',
    scheduled
      ? `scheduled (${config.backups.schedule}), verified after each run`
      : 'none scheduled (development)',
    'no scheduled backups: set BACKUP_KEY and BACKUP_SCHEDULE, or run `leadline backup` and `backup verify` from cron',
    'warn',
  );
  const privateHosts = config.outbound.allowPrivateHosts;
  add(
    privateHosts.length === 0 || !production,
    'outbound SSRF guard',
    privateHosts.length === 0 ? 'no exemptions' : 'exemptions allowed outside production',
    'OUTBOUND_ALLOW_PRIVATE_HOSTS lets outbound requests reach private addresses: unset it in production',
  );
  if (config.database.url) {
    add(
      Boolean(config.database.appUrl) || !production,
      'database app login',
      config.database.appUrl
        ? 'DATABASE_APP_URL uses a separate login'
        : 'owner login with SET ROLE (development)',
      `set DATABASE_APP_URL to a login role that is a member of leadline_app; SET ROLE on the owner's login can be undone by injected SQL`,
    );
  }
  return findings;
}

/** Checks against the live database: the application role and the schema version. */
export async function databaseFindings(config: Config, logger: Logger): Promise<Finding[]> {
  const location = await locateDatabase(config, logger, { stopEmbedded: 'if-started-here' });
  const pool = createPool({
    connectionString: location.appUrl,
    sessionRole: location.sessionRole,
    max: 1,
    applicationName: 'leadline-doctor',
  });
  const db = createDb(pool);
  try {
    const problems = appRoleProblems(await inspectAppRole(db));
    const applied = await appliedMigrations(db).catch(() => [] as string[]);
    const pending = expectedMigrations().filter((name) => !applied.includes(name));
    return [
      {
        verdict: problems.length === 0 ? 'ok' : 'fail',
        check: 'row-level security role',
        detail:
          problems.length === 0 ? 'the app role is not owner, superuser or BYPASSRLS' : problems.join('; '),
      },
      {
        verdict: pending.length === 0 ? 'ok' : 'fail',
        check: 'migrations',
        detail:
          pending.length === 0
            ? 'schema is current'
            : `pending: ${pending.join(', ')} (run leadline migrate up)`,
      },
    ];
  } catch (error) {
    return [{ verdict: 'fail', check: 'database', detail: `cannot connect: ${(error as Error).message}` }];
  } finally {
    await db.destroy();
    await location.release();
  }
}

export function isStrongSecret(secret: string): boolean {
  return secret.length >= 32 && new Set(secret).size >= 12;
}

export function formatFindings(findings: Finding[]): string {
  const mark: Record<Verdict, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  return findings.map((f) => `${mark[f.verdict]} ${f.check}: ${f.detail}`).join('\n');
}
