import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS, isForward } from './channel-adapter.js';
import { channelAdapter } from './registry.js';

describe('isForward', () => {
  it('moves delivery states only forward, and failed absorbs everything after it', () => {
    expect(isForward(null, 'sent')).toBe(true);
    expect(isForward('sent', 'delivered')).toBe(true);
    expect(isForward('delivered', 'sent')).toBe(false);
    expect(isForward('read', 'read')).toBe(false);
    expect(isForward('delivered', 'failed')).toBe(true);
    expect(isForward('failed', 'delivered')).toBe(false);
  });
});

describe('the WhatsApp adapter', () => {
  const whatsapp = channelAdapter('whatsapp');

  it("keeps Meta's 24-hour window for free text and none for templates", () => {
    const last = new Date('2026-12-06T10:00:00Z');
    expect(whatsapp.replyWindow.closesAt(last)?.toISOString()).toBe('2026-12-07T10:00:00.000Z');
    expect(whatsapp.replyWindow.closesAt(null)).toBeNull();
    expect(whatsapp.replyWindow.needsWindow('text')).toBe(true);
    expect(whatsapp.replyWindow.needsWindow('template')).toBe(false);
  });

  it("maps Meta's status words and ignores others", () => {
    expect(whatsapp.deliveryState('delivered')).toBe('delivered');
    expect(whatsapp.deliveryState('deleted')).toBeUndefined();
  });

  it('has one queue per conversation and one send job per message', () => {
    expect(whatsapp.conversationQueue('c1', '393331234567')).toBe('wa:c1:393331234567');
    expect(whatsapp.sendJobKey('m1')).toBe('wa-send:m1');
    expect(whatsapp.sendTask.id).toBe('whatsapp.send-message');
  });
});

describe('the registry', () => {
  it('serves SMS with its own adapter: text only, no reply window, Twilio statuses forward-only', () => {
    const sms = channelAdapter('sms');
    expect(sms.kind).toBe('sms');
    expect(sms.capabilities).toEqual({ text: true, template: false, media: false, interactive: false });
    expect(sms.replyWindow.closesAt(new Date())).toBeNull();
    expect(sms.replyWindow.needsWindow('text')).toBe(false);
    expect(['queued', 'sent', 'delivered', 'undelivered', 'failed'].map(sms.deliveryState)).toEqual([
      'accepted',
      'sent',
      'delivered',
      'failed',
      'failed',
    ]);
    expect(sms.deliveryState('receiving')).toBeUndefined();
    expect(sms.conversationQueue('n1', '393471234567')).not.toBe(
      channelAdapter('whatsapp').conversationQueue('n1', '393471234567'),
    );
  });
});

describe('the channel plugins', () => {
  it('register the send task and conversation processing of every adapter, each task once', async () => {
    const { CHANNEL_PLUGINS } = await import('./channels.js');
    const ids = CHANNEL_PLUGINS.flatMap((plugin) =>
      plugin.tasks({
        agent: {} as never,
        whatsappOutbound: {} as never,
        sms: {
          rest: {} as never,
          config: { secretKey: 'k'.repeat(48), previousSecretKeys: [], http: {} } as never,
        },
        buttonReplies: undefined,
      }),
    ).map((task) => task.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const kind of CHANNEL_KINDS) expect(ids).toContain(channelAdapter(kind).sendTask.id);
    expect(ids).toEqual(
      expect.arrayContaining(['whatsapp.process-inbound', 'sms.process-inbound', 'sms.apply-statuses']),
    );
  });
});
