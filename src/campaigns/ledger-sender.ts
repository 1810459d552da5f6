import type { Contact } from '../contacts/contacts.table.js';
import { upsertConversation } from '../conversations/conversations.repository.js';
import { changeOwnership } from '../conversations/ownership.service.js';
import { type OutboundBody, queueOutboundMessage } from '../conversations/send-ledger.js';
import type { CampaignSender } from './campaign-sender.js';
import type { Campaign, CampaignVariant, TemplateVariable } from './campaigns.table.js';

/** What a variable source can name on a contact. */
export type ContactValues = Pick<
  Contact,
  'firstName' | 'lastName' | 'displayName' | 'company' | 'email' | 'phoneE164' | 'customFields'
>;

/** The value a variable source names on a contact, or undefined when it is empty. */
export function contactValue(contact: ContactValues, source: string): string | undefined {
  const [, attribute, key] = /^contact\.([A-Za-z]+)(?:\.(.+))?$/.exec(source) ?? [];
  let value: unknown;
  switch (attribute) {
    case 'firstName':
    case 'lastName':
    case 'displayName':
    case 'company':
    case 'email':
      value = contact[attribute];
      break;
    case 'phone':
      value = contact.phoneE164;
      break;
    case 'fields':
      value = key ? contact.customFields[key] : undefined;
      break;
  }
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/** Meta refuses empty parameters, and parameters with line breaks, tabs or more than four spaces in a row. */
function parameterText(value: string): string {
  return value
    .replace(/[\n\t]+/g, ' ')
    .replace(/ {4,}/g, '   ')
    .slice(0, 1024);
}

function parameterOf(contact: Contact, variable: TemplateVariable): string {
  return parameterText(contactValue(contact, variable.source) ?? variable.fallback) || '-';
}

const MEDIA_KIND: Array<[RegExp, 'image' | 'video' | 'document']> = [
  [/\.(jpe?g|png)(\?|$)/i, 'image'],
  [/\.(mp4|3gp)(\?|$)/i, 'video'],
];

/** The template's components: header media and text parameters, body parameters, URL button parameters. */
export function templateComponents(variant: CampaignVariant, contact: Contact) {
  const template = variant.template;
  if (!template) return [];
  const ordered = (component: TemplateVariable['component']) =>
    template.variables.filter((v) => v.component === component).sort((a, b) => a.index - b.index);
  const components: Array<Record<string, unknown>> = [];
  const headerText = ordered('header');
  if (template.headerMediaUrl) {
    const kind =
      MEDIA_KIND.find(([pattern]) => pattern.test(template.headerMediaUrl ?? ''))?.[1] ?? 'document';
    components.push({
      type: 'header',
      parameters: [{ type: kind, [kind]: { link: template.headerMediaUrl } }],
    });
  } else if (headerText.length > 0) {
    components.push({
      type: 'header',
      parameters: headerText.map((v) => ({ type: 'text', text: parameterOf(contact, v) })),
    });
  }
  const body = ordered('body');
  if (body.length > 0) {
    components.push({
      type: 'body',
      parameters: body.map((v) => ({ type: 'text', text: parameterOf(contact, v) })),
    });
  }
  for (const button of ordered('button')) {
    components.push({
      type: 'button',
      sub_type: 'url',
      index: String(button.index - 1),
      parameters: [{ type: 'text', text: parameterOf(contact, button) }],
    });
  }
  return components;
}

/** An SMS text with `{{contact.firstName}}`-style placeholders filled (empty when the contact has none). */
export function fillText(text: string, contact: ContactValues): string {
  return text.replace(
    /\{\{\s*(contact\.[A-Za-z]+(?:\.[a-z][a-z0-9_]*)?)\s*(?:\|\s*([^}]*))?\}\}/g,
    (_, source, fallback) => contactValue(contact, source) ?? (fallback ?? '').trim(),
  );
}

function bodyOf(campaign: Campaign, variant: CampaignVariant, contact: Contact): OutboundBody {
  if (campaign.channelKind === 'whatsapp' && variant.template) {
    const components = templateComponents(variant, contact);
    return {
      type: 'template',
      template: {
        name: variant.template.name,
        language: variant.template.language,
        ...(components.length > 0 ? { components } : {}),
      },
    };
  }
  return { type: 'text', text: fillText(variant.text ?? '', contact) };
}

/** The idempotency key of a recipient's message: the ledger never holds two, so it never leaves twice. */
export function campaignMessageKey(campaignId: string, recipientId: string): string {
  return `campaign:${campaignId}:${recipientId}`;
}

/**
 * WhatsApp and SMS campaigns send through the send ledger, in the contact's conversation on the
 * campaign's channel (opened if new), as bulk sends. With `reply_handling = 'human'` the conversation is
 * handed to people first, so the bot does not answer the replies.
 */
function ledgerSender(channelKind: 'whatsapp' | 'sms'): CampaignSender {
  return {
    channelKind,
    async send({ trx, campaign, recipient, contact }) {
      if (!campaign.channelId) return { outcome: 'skipped', reason: 'no_channel' };
      const variant =
        campaign.content.variants.find((candidate) => candidate.key === recipient.variant) ??
        campaign.content.variants[0];
      if (!variant) return { outcome: 'skipped', reason: 'no_message' };
      let conversation = await upsertConversation(trx, {
        channelId: campaign.channelId,
        contactId: contact.id,
        channelKind,
      });
      if (campaign.replyHandling === 'human' && conversation.ownership === 'bot') {
        // The member who set up the campaign chose people for its replies (an API key's campaign: the
        // hand-over the bot itself would make).
        conversation = await changeOwnership(trx, conversation, {
          target: { to: 'human' },
          actor: campaign.createdByUserId
            ? { type: 'user', userId: campaign.createdByUserId }
            : { type: 'agent' },
          reason: 'campaign replies are answered by people',
        });
      }
      const { message, created } = await queueOutboundMessage(trx, {
        conversationId: conversation.id,
        recipient: { channelId: campaign.channelId, channelKind, phoneE164: contact.phoneE164 },
        author: 'system',
        body: bodyOf(campaign, variant, contact),
        idempotencyKey: campaignMessageKey(campaign.id, recipient.id),
        bulk: true,
        requestId: `campaign:${campaign.id}`,
      });
      if (!created && message.status === 'failed') {
        // "Retry failed" on a message that already left and failed: the ledger never sends it twice, so
        // the recipient stays failed with the provider's code rather than showing as sent.
        const errorCode = message.errorCode === null ? 'failed' : String(message.errorCode);
        return { outcome: 'failed', errorCode, retryable: false };
      }
      return { outcome: 'sent', messageId: message.id, conversationId: conversation.id };
    },
  };
}

export const whatsappCampaignSender = ledgerSender('whatsapp');
export const smsCampaignSender = ledgerSender('sms');
