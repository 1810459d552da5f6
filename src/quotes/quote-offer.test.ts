import { describe, expect, it } from 'vitest';
import { OFFER_TEXTS, parseQuoteButtonId, quoteButtonId } from './quote-offer.js';

const VERSION = '0b6f3a52-5d7e-4c1a-9f3e-2b8d7c6a5e41';

describe('quote reply buttons', () => {
  it('round-trips the version and the answer', () => {
    expect(parseQuoteButtonId(quoteButtonId(VERSION, 'accept'))).toEqual({
      versionId: VERSION,
      answer: 'accept',
    });
    expect(parseQuoteButtonId(quoteButtonId(VERSION, 'question'))).toEqual({
      versionId: VERSION,
      answer: 'question',
    });
  });

  it('is no quote button for anything else', () => {
    for (const id of [
      '',
      'accept',
      `quote:${VERSION}:decline`,
      `quote:${VERSION}:accept:extra`,
      `quote:${VERSION.toUpperCase()}:accept`,
      'quote:not-a-uuid:accept',
      `xquote:${VERSION}:accept`,
      `quote:${VERSION}:accept\n`,
    ]) {
      expect(parseQuoteButtonId(id), id).toBeUndefined();
    }
  });

  it("keeps every language's button titles within Meta's 20 characters", () => {
    for (const texts of Object.values(OFFER_TEXTS)) {
      expect(texts.accept.length).toBeLessThanOrEqual(20);
      expect(texts.question.length).toBeLessThanOrEqual(20);
    }
  });
});
