import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import {
  type CallbackWorld,
  solvedAltcha,
  startCallbackWorld,
  submitCallback,
} from '../support/callback-world.js';
import { openLive } from '../support/live-client.js';

/**
 * What the inbox shows of call-backs: every state change is a live event (ids and status only), and the
 * contact panel lists the call-backs asked for with the contact's number.
 */
describe('call-backs in the inbox', () => {
  let world: CallbackWorld;
  let contactId: string;
  let otherContactId: string;

  beforeAll(async () => {
    // No worker: the call-back stays pending, so an operator can cancel it.
    world = await startCallbackWorld({ worker: false });
    const rows = await withTenant(world.database.db, world.tenantId, (trx) =>
      trx
        .insertInto('contacts')
        .values([{ phoneE164: '+393471112233' }, { phoneE164: '+393479998877' }])
        .returning('id')
        .execute(),
    );
    contactId = rows[0]?.id ?? '';
    otherContactId = rows[1]?.id ?? '';
  });
  afterAll(() => world?.close());

  it('publishes each state change live and lists a contact’s call-backs', async () => {
    const live = await openLive(world.baseUrl, { cookie: world.admin.cookie ?? '', origin: world.baseUrl });
    try {
      const answer = await submitCallback(world, {
        phone: '347 111 2233',
        language: 'en',
        altcha: await solvedAltcha(world.baseUrl, world.widget.publicKey),
      });
      expect(answer.status).toBe(202);
      const requested = await live.next((frame) => frame.type === 'callback.updated');
      expect(requested).toEqual({
        type: 'callback.updated',
        callbackId: expect.any(String),
        status: 'requested',
      });
      // Ids and status only: no number or name crosses the live channel.
      expect(JSON.stringify(live.frames)).not.toContain('3471112233');

      const mine = await world.app.inject({
        method: 'GET',
        url: `/api/v1/callbacks?contactId=${contactId}`,
        headers: world.admin,
      });
      expect(mine.statusCode).toBe(200);
      expect(mine.json().items).toMatchObject([{ id: requested.callbackId, status: 'requested' }]);
      const others = await world.app.inject({
        method: 'GET',
        url: `/api/v1/callbacks?contactId=${otherContactId}`,
        headers: world.admin,
      });
      expect(others.json().items).toEqual([]);

      const from = live.frames.length;
      const canceled = await world.app.inject({
        method: 'POST',
        url: `/api/v1/callbacks/${requested.callbackId}/cancel`,
        headers: world.admin,
      });
      expect(canceled.statusCode).toBe(200);
      expect(await live.next((frame) => frame.type === 'callback.updated', from)).toMatchObject({
        callbackId: requested.callbackId,
        status: 'canceled',
      });
    } finally {
      live.close();
    }
  });

  it('refuses a contact id that is not a uuid', async () => {
    const response = await world.app.inject({
      method: 'GET',
      url: '/api/v1/callbacks?contactId=%27%20or%201%3D1',
      headers: world.admin,
    });
    expect(response.statusCode).toBe(400);
  });
});
