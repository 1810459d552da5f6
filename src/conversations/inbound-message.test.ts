import { describe, expect, it } from 'vitest';
import { normaliseInbound } from './inbound-message.js';

// Message objects shaped as in Meta's webhook reference (protocols.md §1); the text one is verbatim.
const base = {
  from: '16505551234',
  id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
  timestamp: '1749416383',
};

describe('normaliseInbound', () => {
  it('keeps a text body as the text, with the replied-to context and an ad referral', () => {
    const context = { from: '15550783881', id: 'wamid.ORIGINAL' };
    const referral = { source_url: 'https://fb.me/ad', source_type: 'ad', ctwa_clid: 'clid-1' };
    expect(
      normaliseInbound({
        ...base,
        type: 'text',
        text: { body: 'Does it come in another color?' },
        context,
        referral,
      }),
    ).toEqual({
      type: 'text',
      author: 'customer',
      text: 'Does it come in another color?',
      content: { context, referral },
      media: null,
    });
  });

  it('strips NUL characters PostgreSQL cannot store', () => {
    expect(normaliseInbound({ ...base, type: 'text', text: { body: 'a\u0000b' } }).text).toBe('ab');
  });

  it('takes an interactive button reply title as the text and keeps its id', () => {
    const message = normaliseInbound({
      ...base,
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'yes-1', title: 'Yes' } },
      context: { from: '15550783881', id: 'wamid.Q' },
    });
    expect(message.text).toBe('Yes');
    expect(message.content).toEqual({
      context: { from: '15550783881', id: 'wamid.Q' },
      interactiveType: 'button_reply',
      replyId: 'yes-1',
      title: 'Yes',
    });
  });

  it('takes a list reply title as the text and keeps id and description', () => {
    const message = normaliseInbound({
      ...base,
      type: 'interactive',
      interactive: { type: 'list_reply', list_reply: { id: 'row-2', title: 'Pro plan', description: '€49' } },
    });
    expect(message).toMatchObject({
      type: 'interactive',
      text: 'Pro plan',
      content: { interactiveType: 'list_reply', replyId: 'row-2', title: 'Pro plan', description: '€49' },
    });
  });

  it('takes a template quick-reply button text as the text', () => {
    const message = normaliseInbound({ ...base, type: 'button', button: { text: 'Stop', payload: 'STOP' } });
    expect(message).toMatchObject({ type: 'button', text: 'Stop', content: { payload: 'STOP' } });
  });

  it.each(['image', 'video', 'audio', 'document', 'sticker'])(
    'keeps %s metadata for the download job',
    (type) => {
      const media = {
        id: `media-${type}`,
        mime_type: 'application/octet-stream',
        sha256: 'abc123',
        ...(type === 'document' ? { filename: 'quote.pdf' } : {}),
        ...(type === 'sticker' ? { animated: true } : { caption: `a ${type}` }),
      };
      const message = normaliseInbound({ ...base, type, [type]: media });
      expect(message.type).toBe(type);
      expect(message.text).toBe(type === 'sticker' ? null : `a ${type}`);
      expect(message.media).toEqual({
        providerMediaId: `media-${type}`,
        mimeType: 'application/octet-stream',
        sha256: 'abc123',
        fileName: type === 'document' ? 'quote.pdf' : null,
      });
      expect(message.content).toMatchObject({
        mediaId: `media-${type}`,
        mimeType: 'application/octet-stream',
      });
      if (type === 'sticker') expect(message.content.animated).toBe(true);
      if (type === 'document') expect(message.content.fileName).toBe('quote.pdf');
    },
  );

  it('keeps a location with its coordinates; the text is its name, else its address', () => {
    const location = {
      latitude: 45.46,
      longitude: 9.19,
      name: 'Duomo',
      address: 'Piazza del Duomo, Milano',
      url: 'https://example.com',
    };
    expect(normaliseInbound({ ...base, type: 'location', location })).toEqual({
      type: 'location',
      author: 'customer',
      text: 'Duomo',
      content: {
        latitude: 45.46,
        longitude: 9.19,
        name: 'Duomo',
        address: 'Piazza del Duomo, Milano',
        url: 'https://example.com',
      },
      media: null,
    });
    const { name: _name, ...unnamed } = location;
    expect(normaliseInbound({ ...base, type: 'location', location: unnamed }).text).toBe(
      'Piazza del Duomo, Milano',
    );
  });

  it('keeps shared contact cards and lists their names as the text', () => {
    const contacts = [
      {
        name: { formatted_name: 'Ada Lovelace', first_name: 'Ada' },
        phones: [{ phone: '+44 7700 900123', wa_id: '447700900123', type: 'CELL' }],
      },
      { name: { formatted_name: 'Alan Turing' } },
    ];
    const message = normaliseInbound({ ...base, type: 'contacts', contacts });
    expect(message.text).toBe('Ada Lovelace, Alan Turing');
    expect(message.content).toEqual({ contacts });
  });

  it('keeps a reaction with the message it is about, and its removal (no emoji)', () => {
    expect(
      normaliseInbound({ ...base, type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '👍' } }),
    ).toMatchObject({
      type: 'reaction',
      text: null,
      content: { messageId: 'wamid.X', emoji: '👍', removed: false },
    });
    expect(
      normaliseInbound({ ...base, type: 'reaction', reaction: { message_id: 'wamid.X' } }),
    ).toMatchObject({
      type: 'reaction',
      text: null,
      content: { messageId: 'wamid.X', emoji: null, removed: true },
    });
  });

  it('records a changed number as a system message', () => {
    const message = normaliseInbound({
      ...base,
      type: 'system',
      system: {
        body: 'User A changed from 16505551234 to 16505559999',
        wa_id: '16505559999',
        type: 'user_changed_number',
      },
    });
    expect(message).toEqual({
      type: 'system',
      author: 'system',
      text: 'User A changed from 16505551234 to 16505559999',
      content: {
        body: 'User A changed from 16505551234 to 16505559999',
        newWaId: '16505559999',
        type: 'user_changed_number',
      },
      media: null,
    });
  });

  it('stores unknown and unsupported types whole, flagged, never dropped', () => {
    const order = { ...base, type: 'order', order: { catalog_id: '1', product_items: [] } };
    expect(normaliseInbound(order)).toEqual({
      type: 'order',
      author: 'customer',
      text: null,
      content: { unsupported: true, raw: order },
      media: null,
    });
    const unsupported = {
      ...base,
      type: 'unsupported',
      errors: [{ code: 131051, title: 'Message type unknown' }],
    };
    expect(normaliseInbound(unsupported)).toMatchObject({
      type: 'unsupported',
      content: { unsupported: true, raw: unsupported },
    });
  });

  it('treats a known type with a malformed body as unsupported rather than failing', () => {
    expect(normaliseInbound({ ...base, type: 'image', image: { caption: 'no id' } })).toMatchObject({
      type: 'image',
      media: null,
      content: { unsupported: true },
    });
    expect(normaliseInbound({ ...base, type: 'text' }).content.unsupported).toBe(true);
    expect(
      normaliseInbound({ ...base, type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: {} } })
        .content.unsupported,
    ).toBe(true);
  });

  it('never stores a type name the column cannot hold', () => {
    expect(normaliseInbound({ ...base, type: 'X'.repeat(100) }).type).toBe('unknown');
    expect(normaliseInbound({ ...base }).type).toBe('unknown');
  });
});
