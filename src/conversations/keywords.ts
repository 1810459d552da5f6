import type { Language } from './conversations.table.js';

/**
 * Carrier-style keywords (STOP / START / HELP and their Italian, Portuguese and Spanish equivalents),
 * recognised only when they are the whole message: "stop" is a keyword, "please don't stop" is not.
 * Each names its language when it has only one, so the confirmation can answer in it.
 */
export type KeywordAction = 'stop' | 'start' | 'help';

const KEYWORDS: Record<KeywordAction, Record<string, Language | null>> = {
  stop: {
    STOP: null,
    STOPALL: 'en',
    UNSUBSCRIBE: 'en',
    CANCEL: 'en',
    END: 'en',
    QUIT: 'en',
    OPTOUT: 'en',
    REVOKE: 'en',
    ANNULLA: 'it',
    DISISCRIVI: 'it',
    DISISCRIVIMI: 'it',
    CANCELLAMI: 'it',
    PARAR: null,
    SAIR: 'pt',
    CANCELAR: null,
    DESCADASTRAR: 'pt',
    BAJA: 'es',
    DETENER: 'es',
  },
  start: {
    START: null,
    UNSTOP: 'en',
    YES: 'en',
    SUBSCRIBE: 'en',
    ISCRIVIMI: 'it',
    RIATTIVA: 'it',
    INICIAR: null,
    VOLTAR: 'pt',
    ALTA: 'es',
    REANUDAR: 'es',
  },
  help: {
    HELP: 'en',
    INFO: null,
    AIUTO: 'it',
    AJUDA: 'pt',
    AYUDA: 'es',
  },
};

const LOOKUP = new Map<string, { action: KeywordAction; language: Language | null }>(
  (Object.entries(KEYWORDS) as [KeywordAction, Record<string, Language | null>][]).flatMap(
    ([action, words]) =>
      Object.entries(words).map(([word, language]) => [word, { action, language }] as const),
  ),
);

/** Case, accents, spaces, hyphens and surrounding punctuation do not matter: "Opt-out!" is OPTOUT. */
function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .replace(/[\s-]+/g, '')
    .toUpperCase();
}

/** The keyword a message is, if it is one. */
export function keywordOf(
  text: string | null,
): { action: KeywordAction; language: Language | null } | undefined {
  if (text === null || text.length > 40) return undefined;
  return LOOKUP.get(fold(text));
}

const REPLIES: Record<KeywordAction, Record<Language, string>> = {
  stop: {
    en: 'You are unsubscribed and will get no more messages here. Reply START to subscribe again.',
    it: "Hai annullato l'iscrizione e non riceverai altri messaggi qui. Rispondi START per iscriverti di nuovo.",
    pt: 'Sua inscrição foi cancelada e você não receberá mais mensagens aqui. Responda START para voltar a receber.',
    es: 'Te has dado de baja y no recibirás más mensajes aquí. Responde START para volver a suscribirte.',
  },
  start: {
    en: 'You are subscribed again. Reply STOP to unsubscribe.',
    it: "Sei di nuovo iscritto. Rispondi STOP per annullare l'iscrizione.",
    pt: 'Você voltou a receber mensagens. Responda STOP para cancelar.',
    es: 'Te has vuelto a suscribir. Responde STOP para darte de baja.',
  },
  help: {
    en: 'Write your question here and we will answer. Reply STOP to unsubscribe.',
    it: "Scrivi qui la tua domanda e ti risponderemo. Rispondi STOP per annullare l'iscrizione.",
    pt: 'Escreva sua pergunta aqui e responderemos. Responda STOP para cancelar.',
    es: 'Escribe tu pregunta aquí y te responderemos. Responde STOP para darte de baja.',
  },
};

export function keywordReply(action: KeywordAction, language: Language): string {
  return REPLIES[action][language];
}
