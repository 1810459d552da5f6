import { AppError } from '../platform/http/app-error.js';
import type { Ownership, OwnershipActor } from './conversations.table.js';

/** Where a conversation stands: who answers, and until when the bot is paused. */
export interface OwnershipState {
  ownership: Ownership;
  pausedUntil: Date | null;
}

/** A request to move a conversation: where to, who asks, and why (recorded with the change). */
export interface OwnershipRequest {
  target: { to: 'bot' } | { to: 'human' } | { to: 'paused'; until: Date };
  actor: { type: OwnershipActor; userId?: string | null };
  reason: string;
}

/** What to write and record; null when the request changes nothing (and nothing is recorded). */
export interface OwnershipChange {
  from: OwnershipState;
  to: OwnershipState;
}

/** An operator may pause the bot for at most this long; longer is what `human` is for. */
export const MAX_PAUSE_MS = 30 * 24 * 3_600_000;

/** True when a pause's time has passed: the bot owns the conversation again, whatever the row still says. */
export function isPauseOver(state: OwnershipState, now: Date): boolean {
  return state.ownership === 'paused' && state.pausedUntil !== null && state.pausedUntil <= now;
}

/** Whether the agent answers this conversation now. */
export function botAnswers(state: OwnershipState, now: Date = new Date()): boolean {
  return state.ownership === 'bot' || isPauseOver(state, now);
}

/**
 * The ownership state machine. Who may move a conversation where:
 * - a user (operator): anywhere — take over, give back to the bot, pause until a future time;
 * - the customer or the agent: only to `human` (asking for a person, an agent's handoff), from `bot` and
 *   from `paused` too: a customer who asks for a person during a pause must not get the bot back later;
 * - the system: only `paused` → `bot`, once the pause has ended.
 * A user's impossible request is refused; an automatic actor's is ignored (it never fails a message).
 */
export function decideOwnership(
  current: OwnershipState,
  request: OwnershipRequest,
  now: Date,
): OwnershipChange | null {
  const from: OwnershipState = { ownership: current.ownership, pausedUntil: current.pausedUntil };
  const { target, actor } = request;
  if (actor.type === 'user') {
    if (target.to === 'paused') {
      const until = target.until.getTime();
      if (until <= now.getTime() || until - now.getTime() > MAX_PAUSE_MS) {
        throw new AppError('validation_failed', 'A pause must end in the future, within 30 days', {
          details: [{ path: 'body.until', message: 'must be in the future, within 30 days' }],
        });
      }
      if (from.ownership === 'paused' && current.pausedUntil?.getTime() === until) return null;
      return { from, to: { ownership: 'paused', pausedUntil: target.until } };
    }
    return from.ownership === target.to ? null : { from, to: { ownership: target.to, pausedUntil: null } };
  }
  if (actor.type === 'system') {
    return target.to === 'bot' && isPauseOver(current, now)
      ? { from, to: { ownership: 'bot', pausedUntil: null } }
      : null;
  }
  return target.to === 'human' && from.ownership !== 'human'
    ? { from, to: { ownership: 'human', pausedUntil: null } }
    : null;
}
