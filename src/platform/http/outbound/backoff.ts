import {
  ExponentialBackoff,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';
import { OutboundError } from './errors.js';

type Context = IRetryBackoffContext<unknown>;

/**
 * Exponential backoff with decorrelated jitter (cockatiel's default generator), except that a server's
 * Retry-After wins when it sent one: retrying sooner than it asked only earns another refusal.
 */
export function retryAfterBackoff(options: {
  initialDelayMs: number;
  maxDelayMs: number;
}): IBackoffFactory<Context> {
  const exponential = new ExponentialBackoff({
    initialDelay: options.initialDelayMs,
    maxDelay: options.maxDelayMs,
  });
  const step = (previous: IBackoffFactory<unknown>): IBackoffFactory<Context> => ({
    next(context: Context): IBackoff<Context> {
      const fallback = previous.next(context);
      const error = 'error' in context.result ? context.result.error : undefined;
      const asked = error instanceof OutboundError ? error.details.retryAfterMs : undefined;
      return { duration: asked ?? fallback.duration, next: step(fallback).next };
    },
  });
  return step(exponential);
}
