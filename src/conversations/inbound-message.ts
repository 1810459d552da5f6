import { z } from 'zod';
import type { MessageAuthor } from './messages.table.js';

/** Media fields kept on the message and, for the download job, in `message_media`. */
export interface InboundMedia {
  providerMediaId: string;
  mimeType: string | null;
  sha256: string | null;
  fileName: string | null;
}

/** A Meta message object as a `messages` row: never null, whatever Meta sent. */
export interface NormalisedMessage {
  type: string;
  author: Extract<MessageAuthor, 'customer' | 'system'>;
  /** What a person reads: body, caption, button title, place name; null when there is none. */
  text: string | null;
  content: Record<string, unknown>;
  media: InboundMedia | null;
}

// Lenient: Meta adds fields without notice. Only what a type is recognised by is required; anything that
// does not match is stored as unsupported with the object as sent, never dropped.
const ZText = z.looseObject({ body: z.string() });
const ZInteractive = z.looseObject({
  type: z.string(),
  button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
  list_reply: z
    .looseObject({ id: z.string(), title: z.string(), description: z.string().optional() })
    .optional(),
});
const ZButton = z.looseObject({ text: z.string(), payload: z.string().optional() });
const ZMedia = z.looseObject({
  id: z.string().min(1).max(256),
  mime_type: z.string().max(255).optional(),
  sha256: z.string().max(255).optional(),
  caption: z.string().optional(),
  filename: z.string().max(1024).optional(),
  animated: z.boolean().optional(),
});
const ZLocation = z.looseObject({
  latitude: z.number(),
  longitude: z.number(),
  name: z.string().optional(),
  address: z.string().optional(),
  url: z.string().optional(),
});
const ZContactCard = z.looseObject({
  name: z.looseObject({ formatted_name: z.string().optional() }).optional(),
});
const ZReaction = z.looseObject({ message_id: z.string(), emoji: z.string().optional() });
const ZSystem = z.looseObject({
  body: z.string().optional(),
  wa_id: z.string().optional(),
  new_wa_id: z.string().optional(),
  type: z.string().optional(),
});

const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker']);
// The type column holds at most 64 characters; Meta's types are short snake_case words.
const TYPE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

// PostgreSQL text and jsonb cannot hold U+0000; a NUL in a customer's text must not fail the receipt.
function clean(value: string | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const cleaned = value.replaceAll('\u0000', '');
  return cleaned.length > 0 ? cleaned : null;
}

/** Fields any type may carry: the message replied to or forwarded, and a click-to-WhatsApp ad referral. */
function common(message: Record<string, unknown>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (message.context !== undefined) extra.context = message.context;
  if (message.referral !== undefined) extra.referral = message.referral;
  return extra;
}

function unsupported(type: string, message: Record<string, unknown>): NormalisedMessage {
  return {
    type: TYPE_NAME.test(type) ? type : 'unknown',
    author: 'customer',
    text: null,
    content: { unsupported: true, raw: message },
    media: null,
  };
}

function customer(type: string, text: string | null, content: Record<string, unknown>): NormalisedMessage {
  return { type, author: 'customer', text, content, media: null };
}

/**
 * Turns Meta's message object (`entry[].changes[].value.messages[]`) of any type into what a `messages`
 * row stores. Unknown types, Meta's own `unsupported` type and malformed known types come back flagged
 * `unsupported: true` with the object kept whole.
 */
export function normaliseInbound(message: Record<string, unknown>): NormalisedMessage {
  const type = typeof message.type === 'string' ? message.type : 'unknown';
  const body = message[type];
  const extra = common(message);

  if (type === 'text') {
    const text = ZText.safeParse(body);
    if (text.success) return customer('text', clean(text.data.body), { ...extra });
  } else if (type === 'interactive') {
    const interactive = ZInteractive.safeParse(body);
    const reply = interactive.success
      ? (interactive.data.button_reply ?? interactive.data.list_reply)
      : undefined;
    if (interactive.success && reply) {
      return customer('interactive', clean(reply.title), {
        ...extra,
        interactiveType: interactive.data.type,
        replyId: reply.id,
        title: reply.title,
        ...('description' in reply && reply.description !== undefined
          ? { description: reply.description }
          : {}),
      });
    }
  } else if (type === 'button') {
    const button = ZButton.safeParse(body);
    if (button.success) {
      return customer('button', clean(button.data.text), {
        ...extra,
        payload: button.data.payload ?? null,
      });
    }
  } else if (MEDIA_TYPES.has(type)) {
    const media = ZMedia.safeParse(body);
    if (media.success) {
      const { id, mime_type, sha256, caption, filename, animated } = media.data;
      return {
        type,
        author: 'customer',
        text: clean(caption),
        content: {
          ...extra,
          mediaId: id,
          mimeType: mime_type ?? null,
          sha256: sha256 ?? null,
          ...(filename === undefined ? {} : { fileName: filename }),
          ...(animated === undefined ? {} : { animated }),
        },
        media: {
          providerMediaId: id,
          mimeType: mime_type ?? null,
          sha256: sha256 ?? null,
          fileName: clean(filename),
        },
      };
    }
  } else if (type === 'location') {
    const location = ZLocation.safeParse(body);
    if (location.success) {
      const { latitude, longitude, name, address, url } = location.data;
      return customer('location', clean(name) ?? clean(address), {
        ...extra,
        latitude,
        longitude,
        name: name ?? null,
        address: address ?? null,
        url: url ?? null,
      });
    }
  } else if (type === 'contacts') {
    const cards = z.array(ZContactCard).min(1).safeParse(body);
    if (cards.success) {
      const names = cards.data.map((card) => card.name?.formatted_name).filter((name) => !!name);
      return customer('contacts', clean(names.join(', ')), { ...extra, contacts: cards.data });
    }
  } else if (type === 'reaction') {
    const reaction = ZReaction.safeParse(body);
    if (reaction.success) {
      const emoji = reaction.data.emoji ? reaction.data.emoji : null;
      // Meta omits the emoji when the customer takes a reaction back.
      return customer('reaction', null, {
        ...extra,
        messageId: reaction.data.message_id,
        emoji,
        removed: emoji === null,
      });
    }
  } else if (type === 'system') {
    const system = ZSystem.safeParse(body);
    if (system.success) {
      return {
        type: 'system',
        author: 'system',
        text: clean(system.data.body),
        content: {
          ...extra,
          body: system.data.body ?? null,
          // Meta has sent the new number as `wa_id` and, in older versions, `new_wa_id`.
          newWaId: system.data.wa_id ?? system.data.new_wa_id ?? null,
          type: system.data.type ?? null,
        },
        media: null,
      };
    }
  }
  return unsupported(type, message);
}
