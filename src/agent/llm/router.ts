import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  retry,
} from 'cockatiel';
import { retryAfterBackoff } from '../../platform/http/outbound/backoff.js';
import { OutboundError } from '../../platform/http/outbound/errors.js';
import { type BreakerListener, reportBreaker } from '../../platform/metrics/breaker-gauge.js';
import {
  type Completion,
  type CompletionRequest,
  failureOutcome,
  type LlmProvider,
  toOutboundError,
  UnusableCompletionError,
} from './providers/provider.js';

export interface RouterOptions {
  maxRetries: number;
  /** A provider asking to wait longer than this is left for the next one at once. */
  maxRetryAfterMs: number;
  breakerFailures: number;
  breakerHalfOpenMs: number;
  /** First backoff step when a provider sent no Retry-After. */
  initialDelayMs?: number;
  /** Told when a provider's breaker opens or closes (the open-breakers gauge). */
  onBreakerChange?: BreakerListener;
}

export interface ChainEntry {
  /** The breaker's key: a provider is judged per tenant and configured entry. */
  key: string;
  provider: LlmProvider;
  host: string;
  timeoutMs: number;
}

export interface AttemptReport {
  provider: LlmProvider;
  /** Position in the chain; above 0 means a fallback answered or failed. */
  index: number;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  /** `ok` for a usable completion, else why the attempt failed. */
  outcome: string;
}

export interface RoutedCompletion {
  completion: Completion;
  provider: LlmProvider;
  index: number;
  latencyMs: number;
}

/** Every provider of the chain failed (or was skipped by its open breaker). */
export class AllProvidersFailed extends Error {
  constructor(readonly outcomes: string[]) {
    super(`every LLM provider failed (${outcomes.join(', ') || 'none configured'})`);
    this.name = 'AllProvidersFailed';
  }
}

/** Down, not refusing: these count towards a provider's breaker. */
function isOutage(error: Error): boolean {
  if (!(error instanceof OutboundError)) return false;
  const status = error.details.status ?? 0;
  return error.failure === 'timeout' || error.failure === 'connection' || status >= 500;
}

/**
 * The ordered fallback chain. Each provider gets in-call retries for what is worth retrying (429, 408,
 * 5xx, Anthropic's 529, timeouts), waiting what the provider's retry-after-ms / retry-after asks when it
 * fits in `maxRetryAfterMs` (else the next provider answers at once: the customer is waiting). A circuit
 * breaker per provider skips one that keeps failing until its half-open probe. Breakers live in the
 * process: each worker learns on its own, which is enough to stop hammering a dead endpoint.
 */
export class LlmRouter {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(private readonly options: RouterOptions) {}

  private breakerFor(key: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(isOutage), {
        halfOpenAfter: this.options.breakerHalfOpenMs,
        breaker: new ConsecutiveBreaker(this.options.breakerFailures),
      });
      this.breakers.set(key, breaker);
      reportBreaker(breaker, key, this.options.onBreakerChange);
    }
    return breaker;
  }

  /**
   * Runs `request` down the chain. `beforeAttempt` runs before every HTTP attempt (the budget check: what
   * it throws ends the whole call); `afterAttempt` is told of every attempt that reached a provider.
   */
  async complete(input: {
    chain: readonly ChainEntry[];
    request: Omit<CompletionRequest, 'timeoutMs'>;
    beforeAttempt: () => Promise<void>;
    afterAttempt: (report: AttemptReport) => Promise<void>;
  }): Promise<RoutedCompletion> {
    const outcomes: string[] = [];
    for (const [index, entry] of input.chain.entries()) {
      const breaker = this.breakerFor(entry.key);
      const policy = retry(
        handleWhen(
          (error) =>
            error instanceof OutboundError &&
            error.retryable &&
            (error.details.retryAfterMs ?? 0) <= this.options.maxRetryAfterMs,
        ),
        {
          maxAttempts: this.options.maxRetries,
          backoff: retryAfterBackoff({
            initialDelayMs: this.options.initialDelayMs ?? 250,
            maxDelayMs: 4_000,
          }),
        },
      );
      try {
        return await policy.execute(() => this.attempt(entry, index, input, breaker));
      } catch (error) {
        if (error instanceof BrokenCircuitError) outcomes.push('circuit_open');
        else if (error instanceof OutboundError) outcomes.push(failureOutcome(error));
        else if (error instanceof UnusableCompletionError) outcomes.push('unusable');
        else throw error;
      }
    }
    throw new AllProvidersFailed(outcomes);
  }

  private async attempt(
    entry: ChainEntry,
    index: number,
    input: Parameters<LlmRouter['complete']>[0],
    breaker: CircuitBreakerPolicy,
  ): Promise<RoutedCompletion> {
    // An open breaker refuses before the budget is touched: a skipped provider costs nothing.
    if (breaker.state === CircuitState.Open) throw new BrokenCircuitError();
    await input.beforeAttempt();
    const started = performance.now();
    const report = (outcome: string, usage = { inputTokens: 0, outputTokens: 0 }) =>
      input.afterAttempt({
        provider: entry.provider,
        index,
        latencyMs: Math.round(performance.now() - started),
        outcome,
        ...usage,
      });
    try {
      const completion = await breaker.execute(async () => {
        try {
          return await entry.provider.complete({ ...input.request, timeoutMs: entry.timeoutMs });
        } catch (error) {
          if (error instanceof UnusableCompletionError) throw error;
          throw toOutboundError(error, entry.host);
        }
      });
      const latencyMs = Math.round(performance.now() - started);
      return { completion, provider: entry.provider, index, latencyMs };
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw error;
      if (error instanceof UnusableCompletionError) await report('unusable', error.usage);
      else if (error instanceof OutboundError) await report(failureOutcome(error));
      throw error;
    }
  }
}
