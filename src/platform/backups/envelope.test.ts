import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { decryptStream, encryptStream } from './envelope.js';

const key = randomBytes(32);
const HEADER = 56;
const RECORD = 4 + 64 * 1024 + 16;

async function seal(plain: Buffer): Promise<Buffer> {
  const encrypt = encryptStream(key);
  const [, sealed] = await Promise.all([pipeline(Readable.from([plain]), encrypt), buffer(encrypt)]);
  return sealed;
}

async function open(sealed: Buffer, withKey = key): Promise<Buffer> {
  const decrypt = decryptStream(withKey);
  const [, plain] = await Promise.all([pipeline(Readable.from([sealed]), decrypt), buffer(decrypt)]);
  return plain;
}

describe('the backup envelope', () => {
  const plain = randomBytes(3 * 64 * 1024 + 100);

  it('round-trips any length, including empty and exact multiples of a record', async () => {
    for (const data of [Buffer.alloc(0), randomBytes(64 * 1024), plain]) {
      expect((await open(await seal(data))).equals(data)).toBe(true);
    }
  });

  it('encrypts the same data differently each time (a fresh salt and nonce prefix per file)', async () => {
    expect((await seal(plain)).equals(await seal(plain))).toBe(false);
  });

  it('refuses records swapped in place', async () => {
    const sealed = await seal(plain);
    const swapped = Buffer.concat([
      sealed.subarray(0, HEADER),
      sealed.subarray(HEADER + RECORD, HEADER + 2 * RECORD),
      sealed.subarray(HEADER, HEADER + RECORD),
      sealed.subarray(HEADER + 2 * RECORD),
    ]);
    await expect(open(swapped)).rejects.toThrow(/failed authentication/);
  });

  it('refuses a record dropped from the middle, a missing last record, and a wrong key', async () => {
    const sealed = await seal(plain);
    const dropped = Buffer.concat([
      sealed.subarray(0, HEADER + RECORD),
      sealed.subarray(HEADER + 2 * RECORD),
    ]);
    await expect(open(dropped)).rejects.toThrow(/failed authentication/);
    await expect(open(sealed.subarray(0, HEADER + 3 * RECORD))).rejects.toThrow(/truncated/);
    await expect(open(sealed, randomBytes(32))).rejects.toThrow(/another key/);
  });

  it('refuses an altered header (it authenticates every record) and a file that is not a backup', async () => {
    const sealed = await seal(plain);
    const altered = Buffer.from(sealed);
    altered[HEADER - 1] = (altered[HEADER - 1] as number) ^ 1;
    await expect(open(altered)).rejects.toThrow(/failed authentication/);
    await expect(
      open(Buffer.from('PGDMP custom format, not ours........................................')),
    ).rejects.toThrow(/not a Leadline backup/);
  });
});
