import { describe, expect, it } from 'vitest';
import { businessOutcome, CALLBACK_STATUSES, canMove, TERMINAL, visitorOutcome } from './callback-state.js';

describe('the call-back state machine', () => {
  it('walks the happy path in order and nowhere backwards', () => {
    const path = [
      'requested',
      'calling_business',
      'business_answered',
      'calling_visitor',
      'connected',
      'completed',
    ] as const;
    for (let index = 1; index < path.length; index += 1) {
      expect(canMove(path[index - 1] as (typeof path)[number], path[index] as (typeof path)[number])).toBe(
        true,
      );
      expect(canMove(path[index] as (typeof path)[number], path[index - 1] as (typeof path)[number])).toBe(
        false,
      );
    }
  });

  it('lets nothing leave a final state, and cancels only before an agent took the call', () => {
    for (const from of TERMINAL) for (const to of CALLBACK_STATUSES) expect(canMove(from, to)).toBe(false);
    expect(canMove('scheduled', 'canceled')).toBe(true);
    expect(canMove('business_answered', 'canceled')).toBe(false);
  });

  it('maps Twilio call statuses to outcomes', () => {
    expect(visitorOutcome('no-answer')).toBe('visitor_no_answer');
    expect(visitorOutcome('completed')).toBe('completed');
    expect(visitorOutcome('ringing')).toBeUndefined();
    expect(businessOutcome('no-answer')).toBe('business_no_answer');
    expect(businessOutcome('busy')).toBe('busy');
  });
});
