import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { type Config, toConfig } from './config.js';
import { readOrCreateLocalSecrets } from './local-secrets.js';
import { SECRET_VARIABLES, ZEnvironment } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, string | undefined>;

/**
 * Reads the environment (plus an optional `.env` in the working directory, which the real environment
 * overrides), resolves `NAME_FILE` secrets, validates everything at once and returns frozen config.
 * Outside production a missing SECRET_KEY is generated once and kept in the data directory.
 */
export function loadConfig(
  environment: Source = process.env,
  options: { dotenvPath?: string | false } = {},
): Config {
  const merged = { ...readDotenv(options.dotenvPath ?? path.resolve('.env')), ...environment };
  const problems: string[] = [];
  const resolved = resolveSecretFiles(merged, problems);
  const parsed = ZEnvironment.safeParse(resolved);
  if (!parsed.success) problems.push(...formatIssues(parsed.error));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);

  const env = parsed.data;
  if (env.SECRET_KEY) return toConfig(env, env.SECRET_KEY, 'environment');
  const local = readOrCreateLocalSecrets(path.resolve(env.DATA_DIR));
  return toConfig(env, local.secretKey, 'generated');
}

function readDotenv(file: string | false): Source {
  if (file === false) return {};
  try {
    return parseDotenv(readFileSync(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

function resolveSecretFiles(source: Source, problems: string[]): Source {
  const result: Source = {};
  for (const [key, value] of Object.entries(source)) {
    // An empty variable means "not set", as it does for most twelve-factor apps.
    if (value !== undefined && value !== '') result[key] = value;
  }
  for (const name of SECRET_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const file = result[fileVariable];
    if (!file) continue;
    if (result[name]) {
      problems.push(`${name}: set either ${name} or ${fileVariable}, not both`);
      continue;
    }
    try {
      result[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(
        `${fileVariable}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  return result;
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
