import { normalizedWords } from './text.js';

/** Lower-case words that belong inside a surname ("João da Silva", "Ludwig van Beethoven"). */
const PARTICLES = new Set([
  'da',
  'de',
  'di',
  'do',
  'dos',
  'das',
  'del',
  'della',
  'dello',
  'dei',
  'degli',
  'van',
  'von',
  'der',
  'den',
  'du',
  'le',
  'la',
  'lo',
]);

// Letters with apostrophes, hyphens or a final dot inside ("O'Brien", "Jean-Luc", "J."), nothing else.
const NAME_WORD = /^\p{L}+(?:['’-]\p{L}+)*\.?$/u;
export const MAX_NAME_WORDS = 5;

export function isNameWord(word: string): boolean {
  return NAME_WORD.test(word);
}

export function isParticle(word: string): boolean {
  return PARTICLES.has(word.toLowerCase());
}

/**
 * First names of two words, common in Brazil, Portugal, Spain and Italy: "Ana Paula Souza" is Ana Paula
 * Souza, not Ana and "Paula Souza". Only applied when a surname still follows.
 */
const COMPOUND_FIRST_NAMES = new Set(
  `ana paula|ana clara|ana carolina|ana luiza|ana julia|ana beatriz|ana maria|ana lucia|maria clara|maria eduarda|maria luiza|maria fernanda|maria jose|maria jesus|maria luisa|maria teresa|maria paula|maria helena|maria cristina|maria del|joao pedro|joao paulo|joao victor|joao vitor|joao gabriel|luiz felipe|luis felipe|luiz fernando|luis fernando|jose carlos|jose luis|jose antonio|jose maria|jose manuel|juan carlos|juan pablo|juan manuel|juan jose|miguel angel|luis miguel|pedro henrique|carlos eduardo|paulo cesar|gian luca|gian marco|pier luigi|anna maria|maria grazia|maria rosa`.split(
    '|',
  ),
);

/** "Ana Paula", "Miguel Ángel": two words that together are one first name. */
export function isCompoundFirstName(words: readonly string[]): boolean {
  return words.length === 2 && COMPOUND_FIRST_NAMES.has(normalizedWords(words.join(' ')).trim());
}

/** A full name split into first and last name ("João da Silva" → "João", "da Silva"). */
export function splitFullName(words: readonly string[]): { first: string; last: string | null } {
  const pair = normalizedWords(words.slice(0, 2).join(' ')).trim();
  const firstCount = words.length >= 3 && COMPOUND_FIRST_NAMES.has(pair) ? 2 : 1;
  const first = words.slice(0, firstCount).join(' ');
  const last = words.slice(firstCount).join(' ');
  return { first, last: last === '' ? null : last };
}

/**
 * The leading name words of `text`: name-like words (particles only between others), at most
 * MAX_NAME_WORDS, stopping at the first other word. `stop` tells the words that end a name ("from", "e").
 */
export function leadingNameWords(
  text: string,
  stop: (word: string) => boolean,
): { words: string[]; rest: string } {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const words: string[] = [];
  let index = 0;
  for (; index < tokens.length && words.length < MAX_NAME_WORDS; index++) {
    const token = tokens[index] ?? '';
    const clean = token.replace(/[,;:!?]+$/, '');
    if (!isNameWord(clean) || (!isParticle(clean) && stop(clean))) break;
    // An initial keeps its dot ("J."); a sentence's final dot is dropped ("Rossi.").
    words.push(clean.length > 2 ? clean.replace(/\.$/, '') : clean);
    if (clean !== token || (clean.length > 2 && clean.endsWith('.'))) {
      index++;
      break;
    }
  }
  while (words.length > 0 && isParticle(words.at(-1) ?? '')) {
    words.pop();
    index--;
  }
  return { words, rest: tokens.slice(index).join(' ') };
}
