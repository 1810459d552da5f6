import { createHash, hkdfSync } from 'node:crypto';
import { type Challenge, createChallenge, randomInt, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';

export interface AltchaOptions {
  secretKey: string;
  /** Solvers try counters from 0 up to a random one below this: the mean work is half of it. */
  maxCounter: number;
  expiresSeconds: number;
}

const ALGORITHM = 'SHA-256';

function secret(secretKey: string, purpose: string): string {
  return Buffer.from(hkdfSync('sha256', secretKey, 'leadline', `altcha:${purpose}`, 32)).toString(
    'base64url',
  );
}

/** What the widget posts: ALTCHA's payload (challenge + solution), base64-encoded JSON. */
const ZPayload = z.strictObject({
  challenge: z.strictObject({
    parameters: z.strictObject({
      algorithm: z.literal(ALGORITHM),
      nonce: z.string().regex(/^[0-9a-f]{1,128}$/),
      salt: z.string().regex(/^[0-9a-f]{1,128}$/),
      cost: z.number().int().min(1).max(1000),
      keyLength: z.number().int().min(8).max(64),
      keyPrefix: z.string().regex(/^[0-9a-f]{1,128}$/),
      keySignature: z.string().regex(/^[0-9a-f]{64}$/),
      expiresAt: z.number().int().positive(),
      data: z.strictObject({ widget: z.string().max(80) }),
    }),
    signature: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  solution: z.strictObject({
    counter: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    derivedKey: z.string().regex(/^[0-9a-f]{2,128}$/),
    time: z.number().min(0).max(3_600_000).optional(),
  }),
});

export type AltchaVerdict = 'ok' | 'invalid' | 'expired' | 'replayed';

/**
 * ALTCHA proof of work (altcha-lib, SHA-256, deterministic counters): challenges signed with HMAC under
 * keys derived from SECRET_KEY, bound to one widget and expiring; the server verifies a solution with
 * one HMAC (the key signature), so verification costs microseconds while solving costs the visitor's
 * browser about a second. altcha-lib stores nothing: each solved challenge is recorded in
 * `altcha_used_challenges` and a second use is refused (CVE-2025-68113 is why this matters).
 */
export class Altcha {
  private readonly signatureSecret: string;
  private readonly keySecret: string;

  constructor(
    private readonly db: Db,
    private readonly options: AltchaOptions,
  ) {
    this.signatureSecret = secret(options.secretKey, 'challenge');
    this.keySecret = secret(options.secretKey, 'key');
  }

  async challenge(widgetKey: string, now = Date.now()): Promise<Challenge> {
    return createChallenge({
      algorithm: ALGORITHM,
      cost: 1,
      counter: randomInt(this.options.maxCounter),
      deriveKey,
      data: { widget: widgetKey },
      expiresAt: Math.floor(now / 1000) + this.options.expiresSeconds,
      hmacSignatureSecret: this.signatureSecret,
      hmacKeySignatureSecret: this.keySecret,
    });
  }

  /** Checks a payload for `widgetKey` and, when it is good, marks its challenge used (in `db`). */
  async verify(db: Db, encoded: string, widgetKey: string): Promise<AltchaVerdict> {
    const payload = decode(encoded);
    if (!payload || payload.challenge.parameters.data.widget !== widgetKey) return 'invalid';
    const result = await verifySolution({
      challenge: payload.challenge,
      solution: payload.solution,
      deriveKey,
      hmacSignatureSecret: this.signatureSecret,
      hmacKeySignatureSecret: this.keySecret,
    });
    if (result.expired) return 'expired';
    if (!result.verified) return 'invalid';
    const key = createHash('sha256').update(payload.challenge.signature).digest();
    const expiresAt = new Date(payload.challenge.parameters.expiresAt * 1000);
    const inserted = await sql<{ ok: number }>`
      insert into altcha_used_challenges (signature_hash, expires_at) values (${key}, ${expiresAt})
      on conflict do nothing returning 1 as ok`.execute(db);
    // Now and then, forget challenges past their expiry (a replay of those fails as expired anyway).
    if (Math.random() < 0.01) await this.purge();
    return inserted.rows.length === 1 ? 'ok' : 'replayed';
  }

  /** Forgets used challenges that have expired anyway (a replay of them fails as expired). */
  async purge(): Promise<number> {
    const result =
      await sql`delete from altcha_used_challenges where expires_at < now() - interval '1 minute'`.execute(
        this.db,
      );
    return Number(result.numAffectedRows ?? 0);
  }
}

function decode(encoded: string): z.infer<typeof ZPayload> | undefined {
  if (encoded.length > 4096 || !/^[A-Za-z0-9+/=_-]+$/.test(encoded)) return undefined;
  try {
    const parsed = ZPayload.safeParse(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
