/**
 * Reads what a customer asks for in free text ("Preciso de 12 m² de piso e 2 rodapés", "3 chairs and a
 * desk") as requested items: a quantity written in digits (1 when none is) and the words after it. No
 * catalog knowledge here; the scripted drafter searches the catalog with each item's words.
 */
export interface RequestedItem {
  quantity: string;
  words: string;
}

// Segment separators in the product's four languages: commas (not a decimal comma between digits),
// semicolons, line breaks, "and".
const SEPARATORS = /(?<!\d),|,(?!\d)|[;\n]+|\s+(?:and|e|y|ed|plus|mais|más)\s+/i;
// Words that say nothing about which item: units, articles, prepositions, requests, politeness.
const NOISE = new Set([
  'm',
  'm2',
  'm²',
  'm3',
  'm³',
  'cm',
  'mm',
  'kg',
  'g',
  'l',
  'lt',
  'h',
  'hr',
  'hrs',
  'hours',
  'horas',
  'ore',
  'un',
  'und',
  'unid',
  'unidades',
  'unità',
  'units',
  'pcs',
  'pz',
  'pezzi',
  'peças',
  'piezas',
  'x',
  'de',
  'da',
  'do',
  'das',
  'dos',
  'di',
  'del',
  'della',
  'of',
  'the',
  'a',
  'an',
  'o',
  'os',
  'as',
  'la',
  'le',
  'il',
  'lo',
  'el',
  'los',
  'las',
  'uma',
  'um',
  'una',
  'uno',
  'for',
  'para',
  'per',
  'por',
  'com',
  'con',
  'with',
  'please',
  'favor',
  'i',
  'need',
  'want',
  'would',
  'like',
  'preciso',
  'quero',
  'gostaria',
  'vorrei',
  'ho',
  'bisogno',
  'quiero',
  'necesito',
  'me',
  'mi',
  'ok',
  'hi',
  'hello',
  'olá',
  'ciao',
  'hola',
]);

const QUANTITY = /(?:^|\s)(\d{1,6}(?:[.,]\d{1,3})?)(?=\s|$|[a-zA-Z²³])/;

export function parseRequest(text: string): RequestedItem[] {
  const items: RequestedItem[] = [];
  for (const segment of text.normalize('NFC').split(SEPARATORS)) {
    const match = QUANTITY.exec(segment);
    const after = match ? segment.slice(match.index + match[0].length) : segment;
    const words = after
      .toLowerCase()
      .split(/[^\p{L}\p{N}²³-]+/u)
      .filter((word) => word.length > 0 && !NOISE.has(word) && !/^\d+$/.test(word))
      .join(' ');
    if (words.length >= 3) {
      items.push({
        quantity: match ? (match[1] as string).replace(',', '.') : '1',
        words: words.slice(0, 200),
      });
    }
  }
  return items.slice(0, 50);
}
