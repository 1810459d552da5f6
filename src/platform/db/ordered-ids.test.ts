import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { orderedId, orderedIdPrefix } from './ordered-ids.js';

describe('ordered ids', () => {
  it('start with the batch time in milliseconds, then version 7 and the RFC 9562 variant', () => {
    const now = new Date('2026-12-07T12:00:00.123Z');
    const prefix = orderedIdPrefix(now);
    expect(prefix).toMatch(/^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{7}$/);
    expect(Number.parseInt(prefix.slice(0, 12), 16)).toBe(now.getTime());
  });

  it('differ between two batches of the same millisecond', () => {
    const now = new Date();
    expect(orderedIdPrefix(now)).not.toBe(orderedIdPrefix(now));
  });

  it('refuse a prefix that is not 24 hex digits (it is spliced into SQL as a parameter, but must be an id)', () => {
    expect(() => orderedId('not-hex', sql`1`)).toThrow(/24 hex digits/);
    expect(() => orderedId(orderedIdPrefix(new Date()), sql`1`)).not.toThrow();
  });
});
