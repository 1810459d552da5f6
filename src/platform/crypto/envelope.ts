import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The versioned envelope of a value encrypted at rest (ADR 0036), as bytes:
 *
 *   "LLE" | format (1) | field (1) | key version (uint32 BE) | nonce (12) | tag (16) | ciphertext
 *
 * AES-256-GCM under the workspace's data key of that version. The additional authenticated data binds the
 * ciphertext to its workspace, its field (table and column) and the key version, so a value copied into
 * another workspace or another column, or with any byte flipped, does not open. In a text column the
 * envelope is stored as STX + base64 (a control character no stored text starts with), in a bytea column
 * and a blob as the bytes themselves; anything else is legacy plaintext, read as it is.
 */
const MAGIC = Buffer.from('LLE', 'latin1');
export const ENVELOPE_FORMAT = 1;
const HEADER = MAGIC.length + 1 + 1 + 4;
const NONCE = 12;
const TAG = 16;
export const ENVELOPE_OVERHEAD = HEADER + NONCE + TAG;
/** The first character of a sealed text value. */
export const TEXT_MARK = '\u0002';

/** The encrypted fields; the code is stored in the envelope, the name is authenticated. Codes never change. */
export const ENCRYPTED_FIELDS = {
  'messages.text': 1,
  'conversation_notes.text': 2,
  'whatsapp_webhook_events.body': 3,
  blob: 4,
  'sms_inbound.body': 5,
  'sms_inbound.params': 6,
  'whatsapp_inbound.message': 7,
} as const;

export type EncryptedField = keyof typeof ENCRYPTED_FIELDS;
const FIELD_BY_CODE = new Map<number, EncryptedField>(
  Object.entries(ENCRYPTED_FIELDS).map(([name, code]) => [code, name as EncryptedField]),
);

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

export interface EnvelopeHeader {
  readonly field: EncryptedField;
  readonly keyVersion: number;
}

/** `binding` names the stored object a value belongs to (a blob's key), so it does not open under another. */
function aad(tenantId: string, field: EncryptedField, keyVersion: number, binding?: string): Buffer {
  const base = `leadline:${ENVELOPE_FORMAT}:${tenantId.toLowerCase()}:${field}:${keyVersion}`;
  return Buffer.from(binding === undefined ? base : `${base}:${binding}`, 'utf8');
}

export function isEnvelope(bytes: Uint8Array): boolean {
  return (
    bytes.length >= ENVELOPE_OVERHEAD &&
    bytes[0] === MAGIC[0] &&
    bytes[1] === MAGIC[1] &&
    bytes[2] === MAGIC[2] &&
    bytes[3] === ENVELOPE_FORMAT
  );
}

export function readHeader(bytes: Uint8Array): EnvelopeHeader {
  if (!isEnvelope(bytes)) throw new EnvelopeError('not an encrypted value');
  const field = FIELD_BY_CODE.get(bytes[4] as number);
  if (!field) throw new EnvelopeError('encrypted value of an unknown field');
  const keyVersion = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readUInt32BE(5);
  return { field, keyVersion };
}

export function sealBytes(
  key: Buffer,
  context: { tenantId: string; field: EncryptedField; keyVersion: number; binding?: string },
  plaintext: Uint8Array,
): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad(context.tenantId, context.field, context.keyVersion, context.binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header[3] = ENVELOPE_FORMAT;
  header[4] = ENCRYPTED_FIELDS[context.field];
  header.writeUInt32BE(context.keyVersion, 5);
  return Buffer.concat([header, nonce, cipher.getAuthTag(), ciphertext]);
}

/** Opens an envelope with the key of its version; refuses a tampered value or one of another workspace. */
export function openBytes(key: Buffer, tenantId: string, envelope: Uint8Array, binding?: string): Buffer {
  const { field, keyVersion } = readHeader(envelope);
  const bytes = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.length);
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(HEADER, HEADER + NONCE));
  decipher.setAAD(aad(tenantId, field, keyVersion, binding));
  decipher.setAuthTag(bytes.subarray(HEADER + NONCE, HEADER + NONCE + TAG));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(HEADER + NONCE + TAG)), decipher.final()]);
  } catch {
    throw new EnvelopeError('encrypted value does not open: tampered, or not of this workspace or field');
  }
}

export function isSealedText(value: string): boolean {
  return value.charCodeAt(0) === 2;
}

export function textToEnvelope(value: string): Buffer {
  return Buffer.from(value.slice(1), 'base64');
}

export function envelopeToText(envelope: Buffer): string {
  return `${TEXT_MARK}${envelope.toString('base64')}`;
}
