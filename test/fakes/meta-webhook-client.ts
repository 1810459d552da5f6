import { createHmac, randomBytes } from 'node:crypto';

/**
 * A Meta-like webhook sender: builds Cloud API payloads shaped as Meta's reference pages show them
 * (shared/reference/protocols.md §1), signs the exact bytes with X-Hub-Signature-256 and posts them.
 */

export type MessageObject = Record<string, unknown> & {
  id: string;
  from: string;
  timestamp: string;
  type: string;
};

export function wamid(): string {
  return `wamid.${randomBytes(24).toString('base64url')}`;
}

export function unixSeconds(date = new Date()): string {
  return String(Math.floor(date.getTime() / 1000));
}

interface Common {
  from: string;
  id?: string;
  timestamp?: string;
}

function base(common: Common, type: string): MessageObject {
  return { from: common.from, id: common.id ?? wamid(), timestamp: common.timestamp ?? unixSeconds(), type };
}

export const messages = {
  text: (common: Common & { body: string }): MessageObject => ({
    ...base(common, 'text'),
    text: { body: common.body },
  }),
  media: (
    common: Common & {
      kind: 'image' | 'audio' | 'video' | 'document' | 'sticker';
      mediaId: string;
      mimeType: string;
    },
  ): MessageObject => ({
    ...base(common, common.kind),
    [common.kind]: {
      id: common.mediaId,
      mime_type: common.mimeType,
      sha256: 'c2hhMjU2',
      caption: 'a caption',
    },
  }),
  buttonReply: (common: Common & { buttonId: string; title: string }): MessageObject => ({
    ...base(common, 'interactive'),
    interactive: { type: 'button_reply', button_reply: { id: common.buttonId, title: common.title } },
  }),
  listReply: (common: Common & { rowId: string; title: string; description?: string }): MessageObject => ({
    ...base(common, 'interactive'),
    interactive: {
      type: 'list_reply',
      list_reply: { id: common.rowId, title: common.title, description: common.description },
    },
  }),
  location: (common: Common & { latitude: number; longitude: number; name?: string }): MessageObject => ({
    ...base(common, 'location'),
    location: {
      latitude: common.latitude,
      longitude: common.longitude,
      name: common.name,
      address: 'Main St 1',
    },
  }),
  contacts: (common: Common & { name: string; phone: string }): MessageObject => ({
    ...base(common, 'contacts'),
    contacts: [
      { name: { formatted_name: common.name, first_name: common.name }, phones: [{ phone: common.phone }] },
    ],
  }),
  reaction: (common: Common & { messageId: string; emoji?: string }): MessageObject => ({
    ...base(common, 'reaction'),
    reaction:
      common.emoji === undefined
        ? { message_id: common.messageId }
        : { message_id: common.messageId, emoji: common.emoji },
  }),
  changedNumber: (common: Common & { newWaId: string }): MessageObject => ({
    ...base(common, 'system'),
    system: {
      body: `User changed from ${common.from} to ${common.newWaId}`,
      wa_id: common.newWaId,
      type: 'user_changed_number',
    },
  }),
  unsupported: (common: Common): MessageObject => ({
    ...base(common, 'unsupported'),
    errors: [{ code: 131051, title: 'Message type unknown' }],
  }),
};

export interface StatusObject {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'played';
  timestamp: string;
  recipient_id: string;
  errors?: Array<{ code: number; title: string }>;
}

export function status(input: Omit<StatusObject, 'timestamp'> & { timestamp?: string }): StatusObject {
  return { ...input, timestamp: input.timestamp ?? unixSeconds() };
}

export interface ChangeValue {
  contacts?: Array<{ profile: { name: string }; wa_id: string }>;
  messages?: MessageObject[];
  statuses?: StatusObject[];
}

/** One change of field `messages` for a business phone number. */
export function change(phoneNumberId: string, value: ChangeValue) {
  return {
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
      ...value,
    },
    field: 'messages',
  };
}

/** The delivery envelope: entries (one per WABA) of changes. */
export function envelope(entries: Array<{ wabaId?: string; changes: ReturnType<typeof change>[] }>) {
  return {
    object: 'whatsapp_business_account',
    entry: entries.map((entry) => ({ id: entry.wabaId ?? '102290129340398', changes: entry.changes })),
  };
}

/** The simplest delivery: one text from one customer with a profile name. */
export function textDelivery(phoneNumberId: string, input: Common & { body: string; name?: string }) {
  const message = messages.text(input);
  return {
    message,
    payload: envelope([
      {
        changes: [
          change(phoneNumberId, {
            contacts: [{ profile: { name: input.name ?? 'Sheena Nelson' }, wa_id: input.from }],
            messages: [message],
          }),
        ],
      },
    ]),
  };
}

/** Meta escapes non-ASCII as \uXXXX before signing; the signature is over exactly these bytes. */
export function serialise(payload: unknown): Buffer {
  return Buffer.from(
    JSON.stringify(payload).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
  );
}

export function sign(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function signedHeaders(secret: string, body: Buffer): Record<string, string> {
  return { 'content-type': 'application/json', 'x-hub-signature-256': sign(secret, body) };
}

/** Posts a signed delivery over real HTTP; returns the status code. */
export async function deliver(url: string, secret: string, payload: unknown): Promise<number> {
  const body = serialise(payload);
  const response = await fetch(url, { method: 'POST', headers: signedHeaders(secret, body), body });
  await response.arrayBuffer();
  return response.status;
}
