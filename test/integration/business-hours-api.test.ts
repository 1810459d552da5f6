import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallbackWorld, startCallbackWorld } from '../support/callback-world.js';

const ALWAYS = Object.fromEntries(
  ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((day) => [day, [{ start: '00:00', end: '24:00' }]]),
);

describe('business hours API', () => {
  let world: CallbackWorld;
  beforeAll(async () => {
    world = await startCallbackWorld({ worker: false });
  });
  afterAll(() => world?.close());

  const call = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object | string) =>
    world.app.inject({
      method,
      url,
      headers: {
        ...world.admin,
        ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}),
      },
      payload,
    });

  it('applies a widget’s override before the workspace’s calendar, and the workspace’s again once it is dropped', async () => {
    expect((await call('GET', '/api/v1/business-hours')).json()).toMatchObject({
      calendar: null,
      open: true,
    });
    const workspace = await call('PUT', '/api/v1/business-hours', {
      timeZone: 'Europe/Rome',
      weekly: ALWAYS,
    });
    expect(workspace.json()).toMatchObject({ open: true });
    const widgetUrl = `/api/v1/widgets/${world.widget.id}/business-hours`;
    const closed = await call('PUT', widgetUrl, {
      timeZone: 'America/Sao_Paulo',
      weekly: {},
      holidays: { country: 'BR', region: 'SP' },
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ open: false, nextOpening: null });
    expect(closed.json().upcomingHolidays.length).toBeGreaterThan(0);
    expect((await call('GET', '/api/v1/business-hours')).json()).toMatchObject({ open: true });
    expect((await call('DELETE', widgetUrl)).statusCode).toBe(204);
    expect((await call('GET', widgetUrl)).json()).toMatchObject({ calendar: null, open: true });
    expect((await call('DELETE', widgetUrl)).statusCode).toBe(404);
  });

  it('refuses invalid calendars with a 400 and keeps the stored one', async () => {
    for (const payload of [
      { timeZone: 'Nowhere/Atlantis', weekly: {} },
      { timeZone: 'Europe/Rome', weekly: { mon: [{ start: '10:00', end: '09:00' }] } },
      { timeZone: 'Europe/Rome', weekly: {}, closures: [{ date: '2026-02-30' }] },
      '{"timeZone":"Europe/Rome","weekly":{},"__proto__":{"x":1}}',
    ]) {
      expect((await call('PUT', '/api/v1/business-hours', payload)).statusCode).toBe(400);
    }
    expect((await call('GET', '/api/v1/business-hours')).json().calendar.timeZone).toBe('Europe/Rome');
    expect(
      (
        await call('PUT', `/api/v1/widgets/${crypto.randomUUID()}/business-hours`, {
          timeZone: 'UTC',
          weekly: {},
        })
      ).statusCode,
    ).toBe(404);
  });
});
