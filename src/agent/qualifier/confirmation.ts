import { normalizedWords } from './text.js';

const NO =
  /\b(no|nope|nah|wrong|incorrect|not (correct|right)|non|nao|errado|errada|errados|incorreto|incorreta|sbagliat[oaie]|change|cambia|correggi|corrigir|corrige|mudar|incorrecto|incorrecta|equivocado|equivocada|cambiar|corregir)\b/;
const YES =
  /\b(yes|y|yeah|yep|yup|correct|right|ok|okay|sure|confirm|confirmed|exactly|perfect|all good|si|certo|esatto|giusto|corretto|confermo|va bene|perfetto|sim|isso|correto|confirmo|exato|claro|tudo certo|beleza|correcto|correcta|vale|exacto|asi es|de acuerdo|todo bien|perfecto)\b/;
const THUMBS_UP = /\u{1F44D}|\u2705|\u{1F44C}/u;

/** The customer's answer to "is everything correct?": a "no" anywhere wins over a "yes". */
export function confirmationAnswer(text: string): 'yes' | 'no' | null {
  const words = normalizedWords(text);
  if (NO.test(words)) return 'no';
  if (YES.test(words) || THUMBS_UP.test(text)) return 'yes';
  return null;
}
