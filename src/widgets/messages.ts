import type { CallbackLanguage } from './widgets.table.js';

/**
 * Everything the widget endpoint may tell a visitor, in the visitor's language. Refusals say what to do
 * next without naming the rule's thresholds (an abuser learns nothing a visitor would need).
 */
const REFUSALS = {
  invalid_phone: {
    en: 'Please enter a valid phone number, including the country code.',
    it: 'Inserisci un numero di telefono valido, con il prefisso internazionale.',
    pt: 'Informe um número de telefone válido, com o código do país.',
    es: 'Introduce un número de teléfono válido, con el prefijo del país.',
  },
  country_not_allowed: {
    en: 'Sorry, we cannot call numbers in this country.',
    it: 'Ci dispiace, non possiamo chiamare numeri di questo paese.',
    pt: 'Desculpe, não podemos ligar para números deste país.',
    es: 'Lo sentimos, no podemos llamar a números de este país.',
  },
  special_number: {
    en: 'Sorry, we cannot call premium-rate, shared-cost or other special numbers. Please enter a mobile or landline number.',
    it: 'Ci dispiace, non possiamo chiamare numeri a tariffa speciale o a costo condiviso. Inserisci un numero fisso o mobile.',
    pt: 'Desculpe, não podemos ligar para números de tarifa especial ou custo compartilhado. Informe um número fixo ou celular.',
    es: 'Lo sentimos, no podemos llamar a números de tarificación especial o coste compartido. Introduce un fijo o un móvil.',
  },
  verification_failed: {
    en: 'The security check did not pass. Please reload the page and try again.',
    it: 'Il controllo di sicurezza non è riuscito. Ricarica la pagina e riprova.',
    pt: 'A verificação de segurança falhou. Recarregue a página e tente novamente.',
    es: 'La comprobación de seguridad ha fallado. Recarga la página e inténtalo de nuevo.',
  },
  too_many_requests: {
    en: 'We have already received several requests. Please try again later.',
    it: 'Abbiamo già ricevuto diverse richieste. Riprova più tardi.',
    pt: 'Já recebemos várias solicitações. Tente novamente mais tarde.',
    es: 'Ya hemos recibido varias solicitudes. Inténtalo de nuevo más tarde.',
  },
  unavailable: {
    en: 'Call-backs are not available right now. Please try again later.',
    it: 'Le richiamate non sono disponibili al momento. Riprova più tardi.',
    pt: 'O retorno de chamadas não está disponível agora. Tente novamente mais tarde.',
    es: 'Las devoluciones de llamada no están disponibles ahora. Inténtalo más tarde.',
  },
  invalid_request: {
    en: 'Something in the form is not right. Please check it and try again.',
    it: 'Qualcosa nel modulo non va. Controllalo e riprova.',
    pt: 'Algo no formulário não está certo. Verifique e tente novamente.',
    es: 'Algo en el formulario no es correcto. Revísalo e inténtalo de nuevo.',
  },
} as const satisfies Record<string, Record<CallbackLanguage, string>>;

export type RefusalReason = keyof typeof REFUSALS;

export function refusalMessage(reason: RefusalReason, language: CallbackLanguage): string {
  return REFUSALS[reason][language];
}

const CONFIRMATIONS = {
  calling: {
    en: 'Thank you! We are calling you now.',
    it: 'Grazie! Ti stiamo chiamando.',
    pt: 'Obrigado! Estamos ligando para você agora.',
    es: '¡Gracias! Te estamos llamando.',
  },
  scheduled: {
    en: 'Thank you! We are closed now; we will call you at {when}.',
    it: 'Grazie! Ora siamo chiusi; ti chiameremo il {when}.',
    pt: 'Obrigado! Estamos fechados agora; ligaremos para você em {when}.',
    es: '¡Gracias! Ahora estamos cerrados; te llamaremos el {when}.',
  },
  closed_sms: {
    en: '{business}: we are closed now. We will call you at {when}.',
    it: '{business}: ora siamo chiusi. Ti chiameremo il {when}.',
    pt: '{business}: estamos fechados agora. Ligaremos para você em {when}.',
    es: '{business}: ahora estamos cerrados. Te llamaremos el {when}.',
  },
} as const satisfies Record<string, Record<CallbackLanguage, string>>;

const LOCALES: Record<CallbackLanguage, string> = { en: 'en-GB', it: 'it-IT', pt: 'pt-BR', es: 'es-ES' };

/** A date and time as a visitor reads it, in their time zone (the browser's, else the business's). */
export function formatWhen(at: Date, language: CallbackLanguage, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALES[language], {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
}

export function confirmation(
  kind: keyof typeof CONFIRMATIONS,
  language: CallbackLanguage,
  values: Record<string, string> = {},
): string {
  return CONFIRMATIONS[kind][language].replace(/\{(\w+)\}/g, (_match, name: string) => values[name] ?? '');
}

/** The whisper an agent hears: who asked, and how to take the call (so a voicemail cannot accept it). */
export function whisper(language: CallbackLanguage, leadName: string | null): string {
  const who = leadName ?? '';
  const texts: Record<CallbackLanguage, string> = {
    en: `Call-back request${who ? ` from ${who}` : ''}. Press 1 to take the call.`,
    it: `Richiesta di richiamata${who ? ` da ${who}` : ''}. Premi 1 per rispondere.`,
    pt: `Pedido de retorno${who ? ` de ${who}` : ''}. Pressione 1 para atender.`,
    es: `Solicitud de llamada${who ? ` de ${who}` : ''}. Pulsa 1 para atender.`,
  };
  return texts[language];
}
