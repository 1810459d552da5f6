import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config/load.js';
import { configFindings, type Finding, isStrongSecret } from './doctor.js';

const STRONG_SECRET = 'k7Qp2xVb9LmZ4rTw8YcN1sHd6FgJ3uEa';
const STRONG_TOKEN = 'Mt5vR8nB2qW7xZ4kP9cL1yH6dG3sJ0fA';

/** A production configuration that should pass every configuration check. */
const PRODUCTION: Record<string, string> = {
  NODE_ENV: 'production',
  DATA_DIR: path.join(tmpdir(), 'leadline-doctor-unused'),
  SECRET_KEY: STRONG_SECRET,
  PUBLIC_URL: 'https://leads.example.com',
  DATABASE_URL: 'postgres://leadline_owner:pw@db.internal:5432/leadline',
  DATABASE_APP_URL: 'postgres://leadline_web:pw@db.internal:5432/leadline',
  LOG_LEVEL: 'info',
  BACKUP_KEY: 'ab'.repeat(32),
  BACKUP_SCHEDULE: '0 3 * * *',
};

function findings(overrides: Record<string, string | undefined> = {}): Finding[] {
  const env = { ...PRODUCTION, ...overrides };
  return configFindings(loadConfig(env, { dotenvPath: false }));
}

function verdictOf(all: Finding[], check: string): Finding['verdict'] | undefined {
  return all.find((finding) => finding.check === check)?.verdict;
}

describe('isStrongSecret', () => {
  it('accepts 32+ random characters', () => {
    expect(isStrongSecret(STRONG_SECRET)).toBe(true);
  });

  it('rejects secrets that are short or have too little variety', () => {
    expect(isStrongSecret(STRONG_SECRET.slice(0, 31))).toBe(false);
    expect(isStrongSecret('a'.repeat(64))).toBe(false);
    expect(isStrongSecret('abababababababababababababababab')).toBe(false);
  });
});

describe('configFindings', () => {
  it('finds nothing to fail in a good production configuration', () => {
    const all = findings();
    expect(all.filter((finding) => finding.verdict !== 'ok')).toEqual([]);
    expect(all.map((finding) => finding.check)).toEqual(
      expect.arrayContaining(['secret key', 'secret key strength', 'HTTPS', 'metrics exposure', 'log level']),
    );
  });

  it('warns about production without scheduled backups', () => {
    expect(verdictOf(findings({ BACKUP_SCHEDULE: undefined }), 'backups')).toBe('warn');
    expect(verdictOf(findings({ NODE_ENV: 'development', BACKUP_SCHEDULE: undefined }), 'backups')).toBe(
      'ok',
    );
  });

  it('fails production with an http PUBLIC_URL', () => {
    expect(verdictOf(findings({ PUBLIC_URL: 'http://leads.example.com' }), 'HTTPS')).toBe('fail');
  });

  it('accepts plain http outside production', () => {
    expect(
      verdictOf(findings({ NODE_ENV: 'development', PUBLIC_URL: 'http://localhost:3000' }), 'HTTPS'),
    ).toBe('ok');
  });

  it('fails metrics bound to 0.0.0.0 without METRICS_TOKEN', () => {
    const all = findings({ METRICS_HOST: '0.0.0.0' });
    expect(verdictOf(all, 'metrics exposure')).toBe('fail');
    expect(all.find((finding) => finding.check === 'metrics exposure')?.detail).toMatch(/METRICS_TOKEN/);
  });

  it('accepts metrics bound to 0.0.0.0 behind a strong METRICS_TOKEN', () => {
    const all = findings({ METRICS_HOST: '0.0.0.0', METRICS_TOKEN: STRONG_TOKEN });
    expect(verdictOf(all, 'metrics exposure')).toBe('ok');
    expect(verdictOf(all, 'metrics token strength')).toBe('ok');
  });

  it('fails a weak METRICS_TOKEN', () => {
    expect(verdictOf(findings({ METRICS_TOKEN: 'x'.repeat(32) }), 'metrics token strength')).toBe('fail');
  });

  it('fails a weak OPERATOR_API_TOKEN and accepts a strong one', () => {
    expect(verdictOf(findings({ OPERATOR_API_TOKEN: 'y'.repeat(32) }), 'operator token strength')).toBe(
      'fail',
    );
    expect(verdictOf(findings({ OPERATOR_API_TOKEN: STRONG_TOKEN }), 'operator token strength')).toBe('ok');
  });

  it('fails a weak SECRET_KEY', () => {
    expect(verdictOf(findings({ SECRET_KEY: 'password'.repeat(4) }), 'secret key strength')).toBe('fail');
  });

  it.each(['debug', 'trace'])('fails LOG_LEVEL=%s in production', (level) => {
    expect(verdictOf(findings({ LOG_LEVEL: level }), 'log level')).toBe('fail');
  });

  it('accepts LOG_LEVEL=debug in development', () => {
    expect(verdictOf(findings({ NODE_ENV: 'development', LOG_LEVEL: 'debug' }), 'log level')).toBe('ok');
  });

  it('fails DATABASE_URL without DATABASE_APP_URL in production', () => {
    expect(verdictOf(findings({ DATABASE_APP_URL: undefined }), 'database app login')).toBe('fail');
  });

  it('warns when production runs on the embedded database', () => {
    const all = findings({ DATABASE_URL: undefined, DATABASE_APP_URL: undefined });
    expect(verdictOf(all, 'database server')).toBe('warn');
    expect(verdictOf(all, 'database app login')).toBeUndefined();
  });
});
