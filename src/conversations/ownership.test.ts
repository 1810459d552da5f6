import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/http/app-error.js';
import { botAnswers, decideOwnership, isPauseOver, type OwnershipState } from './ownership.js';

const now = new Date('2026-11-23T12:00:00Z');
const later = new Date('2026-11-23T13:00:00Z');
const earlier = new Date('2026-11-23T11:00:00Z');
const bot: OwnershipState = { ownership: 'bot', pausedUntil: null };
const human: OwnershipState = { ownership: 'human', pausedUntil: null };
const paused = (until: Date): OwnershipState => ({ ownership: 'paused', pausedUntil: until });

const by = (type: 'customer' | 'user' | 'agent' | 'system') => ({ type, userId: null });

describe('decideOwnership', () => {
  it('hands a bot conversation to a person when the customer, the agent or an operator asks', () => {
    for (const actor of ['customer', 'agent', 'user'] as const) {
      expect(decideOwnership(bot, { target: { to: 'human' }, actor: by(actor), reason: 'r' }, now)).toEqual({
        from: bot,
        to: human,
      });
    }
  });

  it('lets only an operator give a conversation back to the bot', () => {
    expect(
      decideOwnership(human, { target: { to: 'bot' }, actor: by('user'), reason: 'r' }, now)?.to,
    ).toEqual(bot);
    for (const actor of ['customer', 'agent', 'system'] as const) {
      expect(
        decideOwnership(human, { target: { to: 'bot' }, actor: by(actor), reason: 'r' }, now),
      ).toBeNull();
    }
  });

  it('lets an operator pause the bot until a future time, from any state', () => {
    for (const from of [bot, human, paused(later)]) {
      const until = new Date(later.getTime() + 60_000);
      expect(
        decideOwnership(from, { target: { to: 'paused', until }, actor: by('user'), reason: 'r' }, now)?.to,
      ).toEqual(paused(until));
    }
  });

  it('refuses a pause longer than 30 days: that is what `human` is for', () => {
    const until = new Date(now.getTime() + 31 * 24 * 3_600_000);
    expect(() =>
      decideOwnership(bot, { target: { to: 'paused', until }, actor: by('user'), reason: 'r' }, now),
    ).toThrow(AppError);
  });

  it('a customer asking for a person during a pause takes it to a person, so the bot does not come back', () => {
    expect(
      decideOwnership(paused(later), { target: { to: 'human' }, actor: by('customer'), reason: 'r' }, now)
        ?.to,
    ).toEqual(human);
  });

  it('refuses a pause that ends in the past', () => {
    expect(() =>
      decideOwnership(bot, { target: { to: 'paused', until: earlier }, actor: by('user'), reason: 'r' }, now),
    ).toThrow(AppError);
  });

  it('ends a pause for the system only once its time has passed', () => {
    const request = { target: { to: 'bot' as const }, actor: by('system'), reason: 'pause ended' };
    expect(decideOwnership(paused(later), request, now)).toBeNull();
    expect(decideOwnership(paused(earlier), request, now)?.to).toEqual(bot);
    expect(decideOwnership(human, request, now)).toBeNull();
  });

  it('records nothing when the request changes nothing', () => {
    expect(
      decideOwnership(human, { target: { to: 'human' }, actor: by('customer'), reason: 'r' }, now),
    ).toBeNull();
    expect(decideOwnership(bot, { target: { to: 'bot' }, actor: by('user'), reason: 'r' }, now)).toBeNull();
  });
});

describe('isPauseOver and botAnswers', () => {
  it('a pause is over at its end time, not before', () => {
    expect(isPauseOver(paused(now), now)).toBe(true);
    expect(isPauseOver(paused(later), now)).toBe(false);
    expect(isPauseOver(bot, now)).toBe(false);
  });

  it('the bot answers only when it owns the conversation or the pause has ended', () => {
    expect(botAnswers(bot, now)).toBe(true);
    expect(botAnswers(human, now)).toBe(false);
    expect(botAnswers(paused(later), now)).toBe(false);
    expect(botAnswers(paused(earlier), now)).toBe(true);
  });
});
