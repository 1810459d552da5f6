import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';
import { SECRET_VARIABLES, ZEnvironment } from './schema.js';

const SECRET = 'a-secret-key-of-at-least-32-chars-0123456789';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadline-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function load(env: Record<string, string>) {
  return loadConfig({ DATA_DIR: dir, ...env }, { dotenvPath: false });
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults when nothing is set', () => {
    const config = load({ SECRET_KEY: SECRET });
    expect(config.env).toBe('development');
    expect(config.dataDir).toBe(path.resolve(dir));
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
      bodyLimitBytes: 1024 * 1024,
      jsonMaxDepth: 32,
      maxHeaderBytes: 16 * 1024,
      requestTimeoutMs: 30_000,
    });
    expect(config.database).toEqual({
      url: undefined,
      appUrl: undefined,
      poolSize: 10,
      embeddedPort: 54329,
    });
    expect(config.log.level).toBe('info');
    expect(config.metrics).toEqual({ host: '127.0.0.1', port: 9464, token: undefined });
    expect(config.worker).toEqual({
      concurrency: 2,
      outboundConcurrency: 48,
      pollIntervalMs: 2_000,
      staleAfterSeconds: 60,
    });
    expect(config.shutdownTimeoutMs).toBe(10_000);
    expect(config.secretKey).toBe(SECRET);
    expect(config.secretKeySource).toBe('environment');
  });

  it('treats an empty variable as unset', () => {
    const config = load({ SECRET_KEY: SECRET, PORT: '', LOG_LEVEL: '' });
    expect(config.http.port).toBe(3000);
    expect(config.log.level).toBe('info');
  });

  it('reports every invalid variable at once in one ConfigError', () => {
    const problems = problemsOf({
      SECRET_KEY: 'short',
      PORT: 'not-a-port',
      LOG_LEVEL: 'verbose',
      DATABASE_URL: 'mysql://localhost/leadline',
      JSON_MAX_DEPTH: '0',
    });
    for (const name of ['SECRET_KEY', 'PORT', 'LOG_LEVEL', 'DATABASE_URL', 'JSON_MAX_DEPTH']) {
      expect(
        problems.some((problem) => problem.startsWith(`${name}:`)),
        name,
      ).toBe(true);
    }
    expect(problems).toHaveLength(5);
  });

  it('the error message lists each problem on its own line', () => {
    const attempt = () => load({ PORT: '70000', NODE_ENV: 'staging' });
    expect(attempt).toThrow(/^ {2}- PORT: /m);
    expect(attempt).toThrow(/^ {2}- NODE_ENV: /m);
  });

  it('requires SECRET_KEY and PUBLIC_URL in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toContain('SECRET_KEY: is required in production');
    expect(problems).toContain('PUBLIC_URL: is required in production');
  });

  it('reports the production requirements together with problems in other variables', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PORT: 'x' });
    expect(problems).toContain('SECRET_KEY: is required in production');
    expect(problems).toContain('PUBLIC_URL: is required in production');
    expect(problems.some((p) => p.startsWith('PORT:'))).toBe(true);
  });

  it('accepts a production configuration with SECRET_KEY and PUBLIC_URL', () => {
    const config = load({ NODE_ENV: 'production', SECRET_KEY: SECRET, PUBLIC_URL: 'https://leads.example/' });
    expect(config.env).toBe('production');
    expect(config.http.publicUrl).toBe('https://leads.example');
  });

  it('reads SECRET_KEY_FILE and DATABASE_URL_FILE, trimming one trailing newline', () => {
    const secretFile = path.join(dir, 'secret');
    const urlFile = path.join(dir, 'db-url');
    writeFileSync(secretFile, `${SECRET}\n`);
    writeFileSync(urlFile, 'postgres://owner:pw@db.internal:5432/leadline\r\n');
    const config = load({ SECRET_KEY_FILE: secretFile, DATABASE_URL_FILE: urlFile });
    expect(config.secretKey).toBe(SECRET);
    expect(config.secretKeySource).toBe('environment');
    expect(config.database.url).toBe('postgres://owner:pw@db.internal:5432/leadline');
  });

  it('refuses a secret given both directly and as NAME_FILE', () => {
    const secretFile = path.join(dir, 'secret');
    writeFileSync(secretFile, SECRET);
    const problems = problemsOf({ SECRET_KEY: SECRET, SECRET_KEY_FILE: secretFile });
    expect(problems).toEqual([
      expect.stringMatching(/^SECRET_KEY: set either SECRET_KEY or SECRET_KEY_FILE/),
    ]);
  });

  it('reports a NAME_FILE that cannot be read, together with other problems', () => {
    const problems = problemsOf({
      SECRET_KEY_FILE: path.join(dir, 'missing'),
      METRICS_TOKEN_FILE: dir, // a directory: EISDIR
      PORT: '-1',
    });
    expect(problems).toContain('SECRET_KEY_FILE: cannot read the file (ENOENT)');
    expect(problems).toContain('METRICS_TOKEN_FILE: cannot read the file (EISDIR)');
    expect(problems.some((p) => p.startsWith('PORT:'))).toBe(true);
  });

  it('generates a development SECRET_KEY once into DATA_DIR/secrets.json (0600) and reuses it', () => {
    const first = load({});
    expect(first.secretKeySource).toBe('generated');
    expect(first.secretKey.length).toBeGreaterThanOrEqual(32);

    const file = path.join(dir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).secretKey).toBe(first.secretKey);

    const second = load({});
    expect(second.secretKey).toBe(first.secretKey);
    expect(second.secretKeySource).toBe('generated');
  });

  it('refuses a malformed secrets.json rather than silently replacing it', () => {
    writeFileSync(path.join(dir, 'secrets.json'), '{"secretKey":"too-short"}');
    expect(() => load({})).toThrow(/secrets\.json is unreadable or malformed/);
  });

  it('returns a deeply frozen configuration', () => {
    const config = load({ SECRET_KEY: SECRET });
    expect(Object.isFrozen(config)).toBe(true);
    for (const section of [config.http, config.database, config.log, config.metrics, config.worker]) {
      expect(Object.isFrozen(section)).toBe(true);
    }
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('reads a .env file and lets the real environment override it', () => {
    const dotenv = path.join(dir, '.env');
    writeFileSync(dotenv, `SECRET_KEY=${SECRET}\nPORT=4000\nLOG_LEVEL=warn\n`);
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'error' }, { dotenvPath: dotenv });
    expect(config.secretKey).toBe(SECRET);
    expect(config.http.port).toBe(4000);
    expect(config.log.level).toBe('error');
  });

  it('ignores a missing .env file but not an unreadable one', () => {
    expect(
      loadConfig({ DATA_DIR: dir, SECRET_KEY: SECRET }, { dotenvPath: path.join(dir, 'nope.env') }).http.port,
    ).toBe(3000);
    // A directory where the file should be cannot be read, whoever runs the test (CI runs as root).
    const unreadable = path.join(dir, 'a-directory.env');
    mkdirSync(unreadable);
    expect(() => loadConfig({ DATA_DIR: dir }, { dotenvPath: unreadable })).toThrow(/EISDIR/);
  });
});

describe('README configuration table', () => {
  function documentedVariables(markdown: string): string[] {
    const lines = markdown.split('\n');
    const heading = lines.findIndex((line) => /^#{1,6} .*Configuration/i.test(line));
    expect(heading, 'README.md has a Configuration heading').toBeGreaterThanOrEqual(0);
    const tableStart = lines.findIndex((line, index) => index > heading && line.startsWith('|'));
    expect(tableStart, 'a table follows the Configuration heading').toBeGreaterThan(heading);
    const names: string[] = [];
    for (const line of lines.slice(tableStart + 2)) {
      if (!line.startsWith('|')) break;
      const firstCell = line.split('|')[1]?.trim() ?? '';
      const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(firstCell)?.[1];
      expect(name, `first cell of "${line}" is a backticked VARIABLE`).toBeDefined();
      names.push(name!);
    }
    return names;
  }

  it('lists exactly the variables of ZEnvironment, each once', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const documented = documentedVariables(readme);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(ZEnvironment.shape).sort());
  });

  it('mentions the NAME_FILE form of every secret variable', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('NAME_FILE');
    for (const name of SECRET_VARIABLES) expect(readme).toContain(`\`${name}\``);
  });
});
