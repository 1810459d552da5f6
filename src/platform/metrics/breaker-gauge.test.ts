import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { breakerGauge, reportBreaker } from './breaker-gauge.js';

async function openCount(registry: Registry, client: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'open');
  return Number(metric?.values.find((v) => v.labels.client === client)?.value);
}

describe('the open circuit breakers gauge', () => {
  it('counts each open breaker once, however often it re-opens, and drops it when it closes', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'open', help: 'open', labelNames: ['client'], registers: [registry] });
    const listener = breakerGauge(gauge, 'llm');
    const breakers = ['a', 'b'].map((key) => {
      const breaker = circuitBreaker(handleAll, { halfOpenAfter: 10, breaker: new ConsecutiveBreaker(1) });
      reportBreaker(breaker, key, listener);
      return breaker;
    });
    const fail = () => Promise.reject(new Error('down'));
    expect(await openCount(registry, 'llm')).toBe(0);

    await breakers[0]?.execute(fail).catch(() => {});
    expect(await openCount(registry, 'llm')).toBe(1);
    await breakers[1]?.execute(fail).catch(() => {});
    expect(await openCount(registry, 'llm')).toBe(2);

    // Half-open probe fails: open again, still counted once.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await breakers[0]?.execute(fail).catch(() => {});
    expect(await openCount(registry, 'llm')).toBe(2);

    // Half-open probe succeeds: closed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await breakers[1]?.execute(async () => 'ok');
    expect(await openCount(registry, 'llm')).toBe(1);
  });
});
