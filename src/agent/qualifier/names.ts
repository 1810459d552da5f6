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

function capitalise(word: string): string {
  return word
    .toLowerCase()
    .replace(
      /(^|['’-])(\p{L})/gu,
      (_, separator: string, letter: string) => separator + letter.toUpperCase(),
    );
}

/**
 * Typed all in one case ("john smith", "MARIA ROSSI"): each word capitalised; particles lower-case
 * ("João da Silva", "Ludwig van Beethoven") except in Italian, where they are capitalised ("De Luca").
 * Mixed case is kept as the person typed it ("McDonald", "de Souza"); `startsName` raises the first letter.
 */
export function formatName(
  words: readonly string[],
  options: { italian: boolean; startsName: boolean },
): string {
  const joined = words.join(' ');
  const oneCase = joined === joined.toLowerCase() || joined === joined.toUpperCase();
  return words
    .map((word, index) => {
      const first = index === 0 && options.startsName;
      if (!oneCase) return first ? word.charAt(0).toUpperCase() + word.slice(1) : word;
      return isParticle(word) && !first && !options.italian ? word.toLowerCase() : capitalise(word);
    })
    .join(' ');
}

/**
 * The leading name words of `text`: name-like words (particles only between others), at most
 * MAX_NAME_WORDS, stopping at the first other word. `stop` lists words that end a name ("from", "e").
 */
export function leadingNameWords(text: string, stop: ReadonlySet<string>): { words: string[]; rest: string } {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const words: string[] = [];
  let index = 0;
  for (; index < tokens.length && words.length < MAX_NAME_WORDS; index++) {
    const token = tokens[index] ?? '';
    const clean = token.replace(/[,;:!?]+$/, '');
    if (!isNameWord(clean) || stop.has(clean.toLowerCase())) break;
    // An initial keeps its dot ("J."); a sentence's final dot is dropped ("Rossi.").
    words.push(clean.length > 2 ? clean.replace(/\.$/, '') : clean);
    if (clean !== token) {
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

/** Digits, an @, or a link: a name it cannot be. */
export function looksLikeNotAName(text: string): boolean {
  return /\d|@|https?:|www\.|\.[a-z]{2,}\//i.test(text);
}
