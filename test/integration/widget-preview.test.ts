import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallbackWorld, startCallbackWorld } from '../support/callback-world.js';

/** The widget builder's live preview: our page, framed by the dashboard only, sending nothing anywhere. */
describe('the widget preview page', () => {
  let world: CallbackWorld;
  beforeAll(async () => {
    world = await startCallbackWorld({ worker: false });
  });
  afterAll(() => world?.close());

  it('shows the saved widget with the real script, framable by the dashboard only', async () => {
    const changed = await world.app.inject({
      method: 'PATCH',
      url: `/api/v1/widgets/${world.widget.id}`,
      headers: world.admin,
      payload: { texts: { en: { title: 'Talk to us </script><script>alert(1)</script>' } } },
    });
    expect(changed.statusCode).toBe(200);
    const response = await world.app.inject({
      method: 'GET',
      url: `/api/v1/widgets/${world.widget.id}/preview`,
      headers: world.admin,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("connect-src 'none'");
    expect(response.body).toContain('<script src="/widget.js" data-leadline-preview></script>');
    // The texts are data, never markup: no way out of the JSON block.
    expect(response.body.match(/<\/script>/g)).toHaveLength(2);
    const json = /id="leadline-preview-config">(.*?)<\/script>/s.exec(response.body)?.[1] ?? '';
    expect(JSON.parse(json)).toMatchObject({
      config: {
        defaultCountry: 'IT',
        countries: expect.arrayContaining([{ code: 'IT', callingCode: '39' }]),
        texts: { en: { title: 'Talk to us </script><script>alert(1)</script>' } },
      },
    });
    // No agent number in the page: they are server-side only.
    expect(response.body).not.toContain('612345678');
  });

  it('answers 404 for an unknown widget and 400 for a malformed id', async () => {
    const unknown = await world.app.inject({
      method: 'GET',
      url: `/api/v1/widgets/${randomUUID()}/preview`,
      headers: world.admin,
    });
    expect(unknown.statusCode).toBe(404);
    const malformed = await world.app.inject({
      method: 'GET',
      url: '/api/v1/widgets/..%2F..%2Fetc/preview',
      headers: world.admin,
    });
    expect(malformed.statusCode).toBe(400);
  });
});
