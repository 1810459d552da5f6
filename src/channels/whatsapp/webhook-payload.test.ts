import { describe, expect, it } from 'vitest';
import {
  change,
  envelope,
  messages,
  status,
  textDelivery,
  wamid,
} from '../../../test/fakes/meta-webhook-client.js';
import { extractDelivery, NotAWhatsappDelivery } from './webhook-payload.js';

const PHONE_NUMBER_ID = '106540352242922';

describe('extractDelivery', () => {
  it('takes every message type protocols.md lists, keyed by the sender’s canonical phone digits', () => {
    const from = '16505551234';
    const all = [
      messages.text({ from, body: 'hi' }),
      messages.media({ from, kind: 'image', mediaId: '1', mimeType: 'image/jpeg' }),
      messages.media({ from, kind: 'audio', mediaId: '2', mimeType: 'audio/ogg' }),
      messages.media({ from, kind: 'video', mediaId: '3', mimeType: 'video/mp4' }),
      messages.media({ from, kind: 'document', mediaId: '4', mimeType: 'application/pdf' }),
      messages.media({ from, kind: 'sticker', mediaId: '5', mimeType: 'image/webp' }),
      messages.buttonReply({ from, buttonId: 'b', title: 'Yes' }),
      messages.listReply({ from, rowId: 'r', title: 'Row' }),
      messages.location({ from, latitude: 1, longitude: 2 }),
      messages.contacts({ from, name: 'Ann', phone: '+4930123' }),
      messages.reaction({ from, messageId: wamid() }),
      messages.changedNumber({ from, newWaId: '16505550000' }),
      messages.unsupported({ from }),
    ];
    const result = extractDelivery(
      envelope([{ changes: [change(PHONE_NUMBER_ID, { messages: all })] }]),
      PHONE_NUMBER_ID,
    );
    expect(result.skipped).toBe(0);
    expect(result.inbound.map((receipt) => receipt.message)).toEqual(all);
    expect(new Set(result.inbound.map((receipt) => receipt.conversationKey))).toEqual(new Set([from]));
  });

  it('pairs the contacts[] profile with its sender and uses Meta’s timestamp', () => {
    const { payload } = textDelivery(PHONE_NUMBER_ID, {
      from: '4915112345678',
      body: 'x',
      name: 'Ana',
      timestamp: '1749416383',
    });
    const [receipt] = extractDelivery(payload, PHONE_NUMBER_ID).inbound;
    expect(receipt?.profile).toEqual({ profile: { name: 'Ana' }, wa_id: '4915112345678' });
    expect(receipt?.sentAt.toISOString()).toBe('2025-06-08T20:59:43.000Z');
  });

  it('extracts statuses with their errors', () => {
    const id = wamid();
    const payload = envelope([
      {
        changes: [
          change(PHONE_NUMBER_ID, {
            statuses: [
              status({ id, status: 'read', recipient_id: '16505551234', timestamp: '1749416400' }),
              status({
                id,
                status: 'failed',
                recipient_id: '16505551234',
                errors: [{ code: 131026, title: 'x' }],
              }),
            ],
          }),
        ],
      },
    ]);
    const { statuses } = extractDelivery(payload, PHONE_NUMBER_ID);
    expect(statuses.map((s) => s.status)).toEqual(['read', 'failed']);
    expect(statuses[0]?.occurredAt.toISOString()).toBe('2025-06-08T21:00:00.000Z');
    expect(statuses[1]?.errors).toEqual([{ code: 131026, title: 'x' }]);
  });

  it('counts what it cannot store alone instead of failing the delivery', () => {
    const payload = envelope([
      {
        changes: [
          change(PHONE_NUMBER_ID, {
            messages: [
              { id: wamid(), from: 'abc', timestamp: '1', type: 'text' },
              { id: wamid(), from: '16505551234', timestamp: 'soon', type: 'text' },
              messages.text({ from: '16505551234', body: 'kept' }),
            ],
            statuses: [status({ id: wamid(), status: 'sent', recipient_id: '1' }), { id: 'x' } as never],
          }),
          change('999', { messages: [messages.text({ from: '16505551234', body: 'other number' })] }),
          { field: 'messages', value: 'not an object' } as never,
          { field: 'account_update', value: {} } as never,
        ],
      },
    ]);
    const result = extractDelivery(payload, PHONE_NUMBER_ID);
    expect(result.inbound).toHaveLength(1);
    expect(result.statuses).toHaveLength(1);
    expect(result.skipped).toBe(5);
  });

  it('refuses a body that is not a WhatsApp Business Account delivery', () => {
    for (const payload of [
      null,
      [],
      {},
      { object: 'page', entry: [] },
      { object: 'whatsapp_business_account' },
    ]) {
      expect(() => extractDelivery(payload, PHONE_NUMBER_ID), JSON.stringify(payload)).toThrow(
        NotAWhatsappDelivery,
      );
    }
  });
});
