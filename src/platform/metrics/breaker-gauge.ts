import type { CircuitBreakerPolicy } from 'cockatiel';
import type { Gauge } from 'prom-client';

/** Told when a keyed circuit breaker opens or closes again. */
export type BreakerListener = (key: string, open: boolean) => void;

/**
 * Keeps `leadline_circuit_breakers_open{client}` at the number of this client's breakers open now.
 * A breaker that fails its half-open probe opens again without closing, so open keys are a set.
 */
export function breakerGauge(gauge: Gauge<'client'>, client: string): BreakerListener {
  const open = new Set<string>();
  gauge.set({ client }, 0);
  return (key, isOpen) => {
    if (isOpen) open.add(key);
    else open.delete(key);
    gauge.set({ client }, open.size);
  };
}

/** Wires a new breaker's transitions to a listener (none: nothing to report). */
export function reportBreaker(
  breaker: CircuitBreakerPolicy,
  key: string,
  listener: BreakerListener | undefined,
) {
  if (!listener) return;
  breaker.onBreak(() => listener(key, true));
  breaker.onReset(() => listener(key, false));
}
