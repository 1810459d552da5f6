import type { Language } from '../../conversations/conversations.table.js';
import { normalizedWords } from './text.js';

// Common words of one language only (accent-free): words shared by two of them ("posso", "come/como",
// "de", "e", "um/un") would only blur the score.
const MARKERS: Readonly<Record<Language, ReadonlySet<string>>> = {
  en: new Set(
    'hi hello hey good morning afternoon evening my name i im am is would like want need please thanks thank you interested information price the and what how can this'.split(
      ' ',
    ),
  ),
  it: new Set(
    'ciao buongiorno buonasera salve vorrei voglio sono mi chiamo grazie informazioni il lo gli della delle per che non sto bene prezzo preventivo azienda lavoro anzi cognome'.split(
      ' ',
    ),
  ),
  pt: new Set(
    'ola oi bom boa dia tarde noite quero queria gostaria sou meu minha nome chamo obrigado obrigada informacoes informacao voce tudo nao sim preco orcamento empresa trabalho sobrenome'.split(
      ' ',
    ),
  ),
};

/** The language with the most marker words, or null when none wins outright (the tenant default applies). */
export function detectLanguage(text: string): Language | null {
  const words = normalizedWords(text).trim().split(' ');
  const scores = (Object.keys(MARKERS) as Language[]).map((language) => ({
    language,
    score: words.filter((word) => MARKERS[language].has(word)).length,
  }));
  scores.sort((a, b) => b.score - a.score);
  const [best, second] = scores;
  if (!best || best.score === 0 || best.score === second?.score) return null;
  return best.language;
}
