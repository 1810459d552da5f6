import { randomBytes } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';

/**
 * The first 24 hex digits of a batch of UUIDv7 ids (RFC 9562): the batch's Unix time in milliseconds
 * (48 bits), the version, 12 random bits, the variant and 30 more random bits. The last 8 digits are the
 * row's counter in the batch, so ids of one batch rise in the order the rows are written.
 */
export function orderedIdPrefix(now: Date): string {
  const random = randomBytes(6).toString('hex');
  const variant = (8 | (Number.parseInt(random.charAt(3), 16) & 3)).toString(16);
  return `${now.getTime().toString(16).padStart(12, '0').slice(-12)}7${random.slice(0, 3)}${variant}${random.slice(4, 11)}`;
}

/**
 * A rising id for each row of a bulk INSERT ... SELECT: `counter` is the row's 1-based position (a
 * `row_number()`, below 2^32). Random ids (gen_random_uuid) land all over every index that holds them, so a
 * 100,000-row insert touches a random leaf page per row and index; rising ids append to the rightmost leaf.
 */
export function orderedId(prefix: string, counter: RawBuilder<unknown>): RawBuilder<string> {
  if (!/^[0-9a-f]{24}$/.test(prefix)) throw new Error('an ordered id prefix is 24 hex digits');
  return sql<string>`(${prefix}::text || lpad(to_hex(${counter}), 8, '0'))::uuid`;
}
