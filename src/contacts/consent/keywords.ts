import type { Language } from '../../conversations/conversations.table.js';

export type KeywordAction = 'opt_out' | 'opt_in' | 'help';

/**
 * Carrier-style keywords (a message that is only the keyword, in any case, accents and punctuation
 * ignored), with the language each belongs to for the answer. Words shared by languages take the first.
 */
const KEYWORDS: Record<KeywordAction, Record<string, Language>> = {
  opt_out: {
    STOP: 'en',
    STOPALL: 'en',
    UNSUBSCRIBE: 'en',
    CANCEL: 'en',
    END: 'en',
    QUIT: 'en',
    OPTOUT: 'en',
    REVOKE: 'en',
    // German and Scandinavian "stop": no agent speaks those languages, so the answer is in English.
    STOPP: 'en',
    PARAR: 'pt',
    PARE: 'pt',
    SAIR: 'pt',
    CANCELAR: 'pt',
    DESCADASTRAR: 'pt',
    ANNULLA: 'it',
    DISISCRIVIMI: 'it',
    CANCELLAMI: 'it',
    DISISCRIVI: 'it',
    DISATTIVA: 'it',
    BASTA: 'it',
    BAJA: 'es',
    'DAR DE BAJA': 'es',
    DETENER: 'es',
    ANULAR: 'es',
    DESUSCRIBIR: 'es',
    'NO MAS': 'es',
  },
  opt_in: {
    START: 'en',
    UNSTOP: 'en',
    YES: 'en',
    SUBSCRIBE: 'en',
    INICIAR: 'pt',
    VOLTAR: 'pt',
    COMECAR: 'pt',
    ASSINAR: 'pt',
    ISCRIVIMI: 'it',
    RIATTIVA: 'it',
    ATTIVA: 'it',
    REANUDAR: 'es',
    ALTA: 'es',
    SUSCRIBIR: 'es',
  },
  help: { HELP: 'en', INFO: 'en', AJUDA: 'pt', AIUTO: 'it', AYUDA: 'es' },
};

/** Upper case, accents and surrounding punctuation removed, inner spaces collapsed. */
export function normaliseKeyword(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N} ]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/** The keyword a whole message is, if it is one. Longer messages are never keywords ("stop the offer"). */
export function matchKeyword(text: string | null): { action: KeywordAction; language: Language } | undefined {
  if (text === null || text.length > 40) return undefined;
  const word = normaliseKeyword(text);
  for (const action of ['opt_out', 'opt_in', 'help'] as const) {
    const language = KEYWORDS[action][word];
    if (language) return { action, language };
  }
  return undefined;
}

const REPLIES: Record<KeywordAction, Record<Language, string>> = {
  opt_out: {
    en: 'You have been unsubscribed and will receive no more messages from us here. Reply START to subscribe again.',
    it: 'Iscrizione annullata: non riceverai più messaggi da noi qui. Rispondi ISCRIVIMI per iscriverti di nuovo.',
    pt: 'Inscrição cancelada: você não receberá mais mensagens nossas aqui. Responda INICIAR para voltar a receber.',
    es: 'Te has dado de baja y no recibirás más mensajes nuestros aquí. Responde ALTA para volver a suscribirte.',
  },
  opt_in: {
    en: 'You are subscribed again. Reply STOP at any time to unsubscribe.',
    it: 'Sei di nuovo iscritto. Rispondi ANNULLA in qualsiasi momento per annullare l’iscrizione.',
    pt: 'Você voltou a receber nossas mensagens. Responda SAIR a qualquer momento para cancelar.',
    es: 'Te has vuelto a suscribir. Responde BAJA en cualquier momento para darte de baja.',
  },
  help: {
    en: 'Write your question here and our team will answer. Reply STOP to unsubscribe, START to subscribe again.',
    it: 'Scrivi qui la tua domanda e il nostro team ti risponderà. Rispondi ANNULLA per annullare l’iscrizione, ISCRIVIMI per iscriverti di nuovo.',
    pt: 'Escreva sua pergunta aqui e nossa equipe responderá. Responda SAIR para cancelar, INICIAR para voltar a receber.',
    es: 'Escribe tu pregunta aquí y nuestro equipo te responderá. Responde BAJA para darte de baja, ALTA para volver a suscribirte.',
  },
};

export function keywordReply(action: KeywordAction, language: Language): string {
  return REPLIES[action][language];
}
