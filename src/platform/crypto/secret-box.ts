import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

interface DerivedKey {
  key: Buffer;
  id: string;
}

function derive(secretKey: string, purpose: string): DerivedKey {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'leadline', `secret-box:${purpose}`, 32));
  // A fingerprint, not the key: 48 bits of SHA-256 name the key without helping anyone guess it.
  return { key, id: createHash('sha256').update(key).digest('base64url').slice(0, 8) };
}

/**
 * AES-256-GCM for small secrets at rest (TOTP seeds, provider tokens), as a key ring. Keys are derived
 * from SECRET_KEY (and, for rotation, SECRET_KEY_PREVIOUS) with HKDF per purpose, so one purpose's
 * ciphertext cannot be replayed as another's. New values are `v2.<keyId>.<iv>.<tag>.<ciphertext>`
 * (base64url parts, the key id authenticated as AAD) under the current key; the key id picks the key to
 * open with, so a value sealed under a retired master key opens as long as that key is listed, and one
 * sealed under an unknown key fails with a clear message rather than as "tampered". `v1.<iv>.<tag>.<ct>`
 * values (before key ids) are tried against every key.
 */
export class SecretBox {
  private readonly current: DerivedKey;
  private readonly keys: readonly DerivedKey[];

  constructor(secretKey: string, purpose: string, previousSecretKeys: readonly string[] = []) {
    this.current = derive(secretKey, purpose);
    this.keys = [this.current, ...previousSecretKeys.map((previous) => derive(previous, purpose))];
  }

  get keyId(): string {
    return this.current.id;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(this.current.id));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v2',
      this.current.id,
      ...[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url')),
    ].join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts[0] === 'v2' && parts.length === 5) {
      const key = this.keys.find((candidate) => candidate.id === parts[1]);
      if (!key)
        throw new Error(`sealed with an unknown key (key id ${parts[1]}); is SECRET_KEY_PREVIOUS set?`);
      return decrypt(key.key, parts[2], parts[3], parts[4], key.id);
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      let failure: unknown;
      for (const { key } of this.keys) {
        try {
          return decrypt(key, parts[1], parts[2], parts[3], undefined);
        } catch (error) {
          failure = error;
        }
      }
      throw new Error('sealed value does not open with any configured key', { cause: failure });
    }
    throw new Error('unreadable sealed value');
  }

  /** True when `sealed` is under an older key, so a caller may re-seal it with the current one. */
  isStale(sealed: string): boolean {
    return !sealed.startsWith(`v2.${this.current.id}.`);
  }
}

function decrypt(key: Buffer, iv = '', tag = '', ciphertext = '', aad: string | undefined): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  if (aad) decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}
