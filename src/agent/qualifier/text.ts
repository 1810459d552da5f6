/**
 * Lower-case, accent-free words separated by single spaces, padded with a space at each end so patterns
 * can anchor on ` word ` (customers type "alguém", "alguem" and "ALGUÉM" alike; punctuation and emoji
 * carry no meaning for the keyword rules that use this).
 */
export function normalizedWords(text: string): string {
  const words = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return ` ${words} `;
}
