import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('security metrics (V16.3.x)', () => {
  it('registers the security counters with their labels', async () => {
    const metrics = createMetrics();
    metrics.csrfFailures.inc();
    metrics.rateLimited.inc({ tier: 'auth' });
    metrics.rateLimitStoreErrors.inc({ tier: 'api' });
    metrics.badWebhookSignatures.inc({ provider: 'whatsapp' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('leadline_csrf_failures_total 1');
    expect(text).toContain('leadline_rate_limited_total{tier="auth"} 1');
    expect(text).toContain('leadline_rate_limit_store_errors_total{tier="api"} 1');
    expect(text).toContain('leadline_bad_webhook_signatures_total{provider="whatsapp"} 1');
  });
});
