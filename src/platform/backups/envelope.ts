import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BackupError } from './backup-error.js';

/**
 * The encrypted envelope of a backup file: a header, then AES-256-GCM records of at most 64 KiB each.
 * Each file has its own key (HKDF of the backup key with a random salt), each record a nonce made of a
 * random prefix, its sequence number and a "last record" flag (the STREAM construction): a reordered,
 * dropped or corrupted record fails its tag, and a file cut short lacks its flagged last record.
 *
 * Header: "LLBACKUP" | version 1 | key id (8) | salt (32) | nonce prefix (7)   = 56 bytes, the AAD of
 * every record. Record: plaintext length (u32, big-endian) | ciphertext | tag (16).
 */
const MAGIC = Buffer.from('LLBACKUP', 'ascii');
const VERSION = 1;
const HEADER_BYTES = MAGIC.length + 1 + 8 + 32 + 7;
const RECORD_BYTES = 64 * 1024;
const TAG_BYTES = 16;

/** A short, non-secret fingerprint of the backup key, stored in the header to name a wrong key as such. */
export function backupKeyId(key: Buffer): Buffer {
  return createHmac('sha256', key).update('leadline backup key id').digest().subarray(0, 8);
}

function fileKey(key: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, 'leadline backup v1', 32));
}

function nonce(prefix: Buffer, counter: number, last: boolean): Buffer {
  const value = Buffer.alloc(12);
  prefix.copy(value, 0);
  value.writeUInt32BE(counter, 7);
  value[11] = last ? 1 : 0;
  return value;
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('the backup key must be 32 bytes');
}

export function encryptStream(key: Buffer): Transform {
  assertKey(key);
  const salt = randomBytes(32);
  const prefix = randomBytes(7);
  const header = Buffer.concat([MAGIC, Buffer.from([VERSION]), backupKeyId(key), salt, prefix]);
  const derived = fileKey(key, salt);
  let counter = 0;
  let pending: Buffer = Buffer.alloc(0);
  let headerSent = false;

  const seal = (plain: Buffer, last: boolean): Buffer => {
    if (counter > 0xffff_ffff) throw new Error('backup too large for one envelope');
    const cipher = createCipheriv('aes-256-gcm', derived, nonce(prefix, counter++, last));
    cipher.setAAD(header);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(plain.length);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([length, body, cipher.getAuthTag()]);
  };
  const emitHeader = (stream: Transform) => {
    if (!headerSent) stream.push(header);
    headerSent = true;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      emitHeader(this);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      // Strictly greater: whatever is left at the end becomes the flagged last record, even if empty.
      while (pending.length > RECORD_BYTES) {
        this.push(seal(pending.subarray(0, RECORD_BYTES), false));
        pending = pending.subarray(RECORD_BYTES);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      emitHeader(this);
      this.push(seal(pending, true));
      callback();
    },
  });
}

export function decryptStream(key: Buffer): Transform {
  assertKey(key);
  let buffered: Buffer = Buffer.alloc(0);
  let header: Buffer | undefined;
  let derived: Buffer | undefined;
  let prefix: Buffer | undefined;
  let counter = 0;
  let finished = false;

  const open = (): Buffer[] => {
    const out: Buffer[] = [];
    if (!header) {
      if (buffered.length < HEADER_BYTES) return out;
      const candidate = buffered.subarray(0, HEADER_BYTES);
      if (!candidate.subarray(0, MAGIC.length).equals(MAGIC) || candidate[MAGIC.length] !== VERSION) {
        throw new BackupError('not_a_backup', 'not a Leadline backup file (or an unsupported version)');
      }
      const keyId = candidate.subarray(MAGIC.length + 1, MAGIC.length + 9);
      if (!keyId.equals(backupKeyId(key))) {
        throw new BackupError(
          'wrong_key',
          `the backup was encrypted with another key (key id ${keyId.toString('hex')}, this key's ${backupKeyId(key).toString('hex')})`,
        );
      }
      header = Buffer.from(candidate);
      derived = fileKey(key, header.subarray(MAGIC.length + 9, MAGIC.length + 41));
      prefix = header.subarray(MAGIC.length + 41);
      buffered = buffered.subarray(HEADER_BYTES);
    }
    for (;;) {
      if (buffered.length === 0) return out;
      if (finished) throw new BackupError('corrupted', 'data after the last record of the backup');
      if (buffered.length < 4) return out;
      const length = buffered.readUInt32BE(0);
      if (length > RECORD_BYTES)
        throw new BackupError('corrupted', 'a record of the backup has an impossible length');
      const total = 4 + length + TAG_BYTES;
      if (buffered.length < total) return out;
      out.push(openRecord(buffered.subarray(4, 4 + length), buffered.subarray(4 + length, total)));
      buffered = buffered.subarray(total);
    }
  };

  const openRecord = (body: Buffer, tag: Buffer): Buffer => {
    // Try the record as an ordinary one, then as the last one: only one of the two nonces verifies.
    for (const last of [false, true]) {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        derived as Buffer,
        nonce(prefix as Buffer, counter, last),
      );
      decipher.setAAD(header as Buffer);
      decipher.setAuthTag(tag);
      try {
        const plain = Buffer.concat([decipher.update(body), decipher.final()]);
        counter++;
        finished = last;
        return plain;
      } catch {
        // the other flag, or corruption
      }
    }
    throw new BackupError(
      'corrupted',
      `record ${counter} of the backup failed authentication (corrupted or altered)`,
    );
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      try {
        for (const plain of open()) this.push(plain);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      if (!header) return callback(new BackupError('truncated', 'the backup file ends inside its header'));
      if (!finished || buffered.length > 0) {
        return callback(
          new BackupError('truncated', 'the backup file is truncated: its last record is missing'),
        );
      }
      callback();
    },
  });
}
