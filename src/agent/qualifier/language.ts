import type { Language } from '../../conversations/conversations.table.js';
import { normalizedWords } from './text.js';

// Common words of one language only (accent-free): words shared by two of them ("posso", "come/como",
// "de", "e", "um/un", "empresa", "para") would only blur the score.
const MARKERS: Readonly<Record<Language, ReadonlySet<string>>> = {
  en: new Set(
    'hi hello hey good morning afternoon evening my name i im am is would like want need please thanks thank you interested information price the and what how can this surname company work with your our yes sorry actually much does cost'.split(
      ' ',
    ),
  ),
  it: new Set(
    'ciao buongiorno buonasera salve vorrei voglio sono mi chiamo grazie informazioni il lo gli della delle per che non sto bene prezzo preventivo azienda lavoro anzi cognome sì si mio mia scusa quanto costa ditta societa nome un una'.split(
      ' ',
    ),
  ),
  pt: new Set(
    'ola oi bom boa dia tarde noite quero queria gostaria sou meu minha nome chamo obrigado obrigada informacoes informacao voce tudo nao sim preco orcamento trabalho sobrenome apelido desculpa verdade tenho uma um esta estou quanto custa ta aqui'.split(
      ' ',
    ),
  ),
  es: new Set(
    'hola buenos buenas dias tardes noches quiero quisiera necesito soy llamo mi nombre apellido apellidos gracias informacion precio presupuesto trabajo correo usted tengo estoy perdon si cuanto cuesta es y el los las una nuestra hablar disculpa vale'.split(
      ' ',
    ),
  ),
};
// Words so distinctive one settles it: "¿", "¡", Spanish/Portuguese/Italian-only spellings.
const STRONG: Readonly<Record<Language, RegExp>> = {
  en: /\b(?:my name is|i'm|i am|i work)\b/iu,
  it: /\b(?:mi chiamo|sono|lavoro|grazie|il mio|anzi)\b/iu,
  pt: /\b(?:me chamo|meu|minha|você|obrigad[oa]|não|trabalho|sobrenome|olá)\b|ção\b|ões\b/iu,
  es: /[¿¡ñ]|\b(?:me llamo|soy|trabajo en|gracias|apellidos?|correo|hola)\b|ción\b/iu,
};

/** The language with the most marker words, or null when none wins outright (the tenant default applies). */
export function detectLanguage(text: string): Language | null {
  const words = normalizedWords(text).trim().split(' ');
  const scores = (Object.keys(MARKERS) as Language[]).map((language) => ({
    language,
    score:
      words.filter((word) => MARKERS[language].has(word)).length + (STRONG[language].test(text) ? 1.5 : 0),
  }));
  scores.sort((a, b) => b.score - a.score);
  const [best, second] = scores;
  if (!best || best.score === 0 || best.score === second?.score) return null;
  return best.language;
}

/**
 * The language of the conversation after this message: the first message that reveals one sets it; a
 * later message switches it only when it clearly reads as another language (two marker words more),
 * so a bare "Rossi" or "ok" never flips it.
 */
export function conversationLanguage(current: Language | null, text: string | null): Language | null {
  if (!text) return current;
  const detected = detectLanguage(text);
  if (current === null || detected === null || detected === current) return detected ?? current;
  const words = normalizedWords(text).trim().split(' ');
  const score = (language: Language) =>
    words.filter((word) => MARKERS[language].has(word)).length + (STRONG[language].test(text) ? 1.5 : 0);
  return score(detected) - score(current) >= 2 ? detected : current;
}

const EUROPEAN = /\b(?:apelido|estou a|esta a|telemovel|equipa|contacto|registar|obrigadinho|fixe)\b/;
const BRAZILIAN =
  /\b(?:voce|voces|oi|sobrenome|ta|to|beleza|legal|celular|time|contato|registrar|a gente|pra)\b/;

/** European rather than Brazilian Portuguese, when the customer's words say so; else the last answer stands. */
export function portugueseVariant(current: 'pt-PT' | null, text: string | null): 'pt-PT' | null {
  if (!text) return current;
  const words = normalizedWords(text);
  if (EUROPEAN.test(words) && !BRAZILIAN.test(words)) return 'pt-PT';
  if (BRAZILIAN.test(words) && !EUROPEAN.test(words)) return null;
  return current;
}
