import type { ReplyButton } from '../conversations/send-ledger.js';
import type { DocumentOffer } from './ports.js';
import type { QuoteSettings } from './quote-settings.js';
import type { Quote, QuoteVersion } from './quotes.table.js';
import type { TemplateLocale } from './templates/default-templates.js';

/** The answers a reply button carries; its id names the exact version it was sent with. */
export type ButtonAnswer = 'accept' | 'question';

const BUTTON_ID = /^quote:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(accept|question)$/;

export function quoteButtonId(versionId: string, answer: ButtonAnswer): string {
  return `quote:${versionId}:${answer}`;
}

/** The version and answer of a quote reply button; undefined for any other id. */
export function parseQuoteButtonId(id: string): { versionId: string; answer: ButtonAnswer } | undefined {
  const match = BUTTON_ID.exec(id);
  return match ? { versionId: match[1] as string, answer: match[2] as ButtonAnswer } : undefined;
}

interface OfferTexts {
  accept: string;
  question: string;
  prompt: (number: string, link: string) => string;
  accepted: (number: string) => string;
  expired: (number: string) => string;
  superseded: (number: string) => string;
  closed: (number: string) => string;
  handover: string;
}

/** What the customer reads on WhatsApp, per workspace language (button titles: at most 20 characters). */
export const OFFER_TEXTS: Record<TemplateLocale, OfferTexts> = {
  en: {
    accept: 'Accept',
    question: 'I have a question',
    prompt: (n, link) => `Would you like to accept quote ${n}? You can also review it here: ${link}`,
    accepted: (n) => `Thank you! Quote ${n} is accepted. We will be in touch shortly.`,
    expired: (n) =>
      `Quote ${n} has expired and can no longer be accepted. Reply here and we will send you a new one.`,
    superseded: (n) =>
      `Quote ${n} was replaced by a newer version; please answer the latest one we sent you.`,
    closed: (n) => `Quote ${n} cannot be accepted any more.`,
    handover: 'Of course! A member of our team will answer you here shortly.',
  },
  it: {
    accept: 'Accetto',
    question: 'Ho una domanda',
    prompt: (n, link) => `Vuole accettare il preventivo ${n}? Può anche consultarlo qui: ${link}`,
    accepted: (n) => `Grazie! Il preventivo ${n} è stato accettato. La ricontatteremo a breve.`,
    expired: (n) =>
      `Il preventivo ${n} è scaduto e non può più essere accettato. Ci scriva e le invieremo un nuovo preventivo.`,
    superseded: (n) =>
      `Il preventivo ${n} è stato sostituito da una versione più recente; risponda all'ultima che le abbiamo inviato.`,
    closed: (n) => `Il preventivo ${n} non può più essere accettato.`,
    handover: 'Certo! Una persona del nostro team le risponderà qui a breve.',
  },
  'pt-BR': {
    accept: 'Aceitar',
    question: 'Tenho uma dúvida',
    prompt: (n, link) => `Deseja aceitar o orçamento ${n}? Você também pode conferi-lo aqui: ${link}`,
    accepted: (n) => `Obrigado! O orçamento ${n} foi aceito. Entraremos em contato em breve.`,
    expired: (n) =>
      `O orçamento ${n} expirou e não pode mais ser aceito. Responda aqui e enviaremos um novo.`,
    superseded: (n) =>
      `O orçamento ${n} foi substituído por uma versão mais recente; responda à última que enviamos.`,
    closed: (n) => `O orçamento ${n} não pode mais ser aceito.`,
    handover: 'Claro! Uma pessoa da nossa equipe vai responder aqui em breve.',
  },
  es: {
    accept: 'Aceptar',
    question: 'Tengo una pregunta',
    prompt: (n, link) => `¿Desea aceptar el presupuesto ${n}? También puede revisarlo aquí: ${link}`,
    accepted: (n) => `¡Gracias! El presupuesto ${n} ha sido aceptado. Nos pondremos en contacto pronto.`,
    expired: (n) =>
      `El presupuesto ${n} ha caducado y ya no puede aceptarse. Escríbanos y le enviaremos uno nuevo.`,
    superseded: (n) =>
      `El presupuesto ${n} fue reemplazado por una versión más reciente; responda a la última que le enviamos.`,
    closed: (n) => `El presupuesto ${n} ya no puede aceptarse.`,
    handover: '¡Claro! Una persona de nuestro equipo le responderá aquí en breve.',
  },
};

export function offerTexts(locale: string): OfferTexts {
  return OFFER_TEXTS[locale as TemplateLocale] ?? OFFER_TEXTS.en;
}

/** The stored PDF of a sent version, as an outbound attachment source names it. */
export const QUOTE_PDF_SOURCE = 'quote-pdf';

/** The WhatsApp offer of a sent version: its PDF, the message text (with the link), the two buttons. */
export function quoteOffer(input: {
  quote: Quote & { conversationId: string };
  version: QuoteVersion;
  settings: QuoteSettings;
  messageText: string;
  link: string;
  authorUserId: string | null;
  requestId: string;
}): DocumentOffer {
  const { quote, version, settings } = input;
  const texts = offerTexts(version.locale);
  const buttons: ReplyButton[] = [
    { id: quoteButtonId(version.id, 'accept'), title: texts.accept },
    { id: quoteButtonId(version.id, 'question'), title: texts.question },
  ];
  return {
    conversationId: quote.conversationId,
    key: version.id,
    document: {
      source: QUOTE_PDF_SOURCE,
      id: version.id,
      filename: `${quote.number}-v${version.version}.pdf`,
      mimeType: 'application/pdf',
    },
    caption: input.messageText,
    prompt: texts.prompt(quote.number, input.link),
    buttons,
    template: settings.whatsappTemplateName
      ? {
          name: settings.whatsappTemplateName,
          language: settings.whatsappTemplateLanguage ?? version.locale.replace('-', '_'),
          bodyParameters: [input.link],
        }
      : null,
    authorUserId: input.authorUserId,
    requestId: input.requestId,
  };
}
