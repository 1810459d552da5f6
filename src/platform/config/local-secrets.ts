import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const ZLocalSecrets = z.object({
  secretKey: z.string().min(32),
  embeddedSuperuserPassword: z.string().min(16),
  embeddedAppPassword: z.string().min(16),
});
export type TLocalSecrets = z.infer<typeof ZLocalSecrets>;

const FILE_NAME = 'secrets.json';

/**
 * Secrets Leadline generates for itself: the development SECRET_KEY and the passwords of the embedded
 * PostgreSQL it manages. Created once (mode 0600) so that a second start reuses them.
 */
export function readOrCreateLocalSecrets(dataDir: string): TLocalSecrets {
  const file = path.join(dataDir, FILE_NAME);
  try {
    return ZLocalSecrets.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${file} is unreadable or malformed; fix or remove it`, { cause: error });
    }
  }
  const secrets: TLocalSecrets = {
    secretKey: randomBytes(32).toString('base64url'),
    embeddedSuperuserPassword: randomBytes(24).toString('base64url'),
    embeddedAppPassword: randomBytes(24).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  // 'wx' fails if another process created the file meanwhile; then read theirs.
  try {
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreateLocalSecrets(dataDir);
    throw error;
  }
  return secrets;
}
