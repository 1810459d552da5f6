import { normalizedWords } from './qualifier/text.js';

/*
 * Rules, applied to lower-case, accent-free words (see normalizedWords):
 * 1. Phrases that are not a request are removed first: "human resources", "tour operator", "per person",
 *    and self-descriptions ("I am a tour operator", "sono un operatore", "sou atendente").
 * 2. A strong word or phrase anywhere is a request: operator, atendente, representative, real person, ...
 * 3. A weak word (human, person, agent, someone, ...) counts only after a "talk to" verb (up to 3 words
 *    before it) or, except someone/qualcuno/alguém, a "want/need" verb (up to 2 words before it).
 * 4. A clause that is nothing but weak words and filler ("human please", "pessoa?") is a request.
 * 5. A clause with a negation ("I don't need a person", "non voglio un operatore") is not.
 * Everything else, e.g. "are you human?" or "a table for one person", is not.
 */

const NOT_A_REQUEST = [
  /\b(human|humans) (resources?|rights|error|nature)\b/g,
  /\b(risorse|diritti|errore|natura) umani?e?\b/g,
  /\b(recursos|direitos|erro|natureza) human[oa]s?\b/g,
  /\b(agentes?|operadores?) (inmobiliari[oa]s?|de viajes|de seguros|turistic[oa]s?|imobiliari[oa]s?)\b/g,
  /\b(travel|real estate|estate|insurance|tour|phone|telephone|switchboard) (agents?|operators?)\b/g,
  /\b(operatore|operatrice|operatori) (turistic[oaie]|telefonic[oaie])\b/g,
  /\bagent[ei] (immobiliar[ei]|di viaggio|de viagens?|de seguros?|assicurativ[oi])\b/g,
  /\b(in|per|di|por|em|a) (person|persona|pessoa)\b/g,
  /\b(i m|im|i am|sono|sou|eu sou|soy|yo soy|we are|siamo|somos)( (a|an|un|una|uno|um|uma|o))?( \w+)? (operators?|operatore|operatrice|operador|operadora|atendente|representative|agent|agente|human|umano|humano|person|persona|pessoa|consultor|consultora|asesor|asesora|vendedor|vendedora|commerciale)\b/g,
];

const STRONG =
  /\b(operators?|operatore|operatrice|operatori|atendentes?|representatives?|human beings?|real (person|human|people)|live (agent|person|chat)|human agent|someone real|essere umano|persona (reale|vera)|agente umano|ser humano|pessoa (real|de verdade)|humano de verdade|operador|operadora|persona de verdad|humano real|agente humano|asesor|asesora|sales (rep|representative|team|person)|salesperson|commerciale|venditore|vendedor|vendedora)\b/;

const WEAK =
  '(humans?|persons?|people|agents?|umano|umana|persona|humano|humana|pessoa|agente|sales|consultor|consultora)';
const SOMEONE = '(someone|somebody|anyone|qualcuno|alguem|alguien)';
const TALK =
  '(talk|speak|chat|parlare|parlo|parlarci|falar|conversar|hablar|hablo)( (to|with|con|com|a|al|alla|en))?';
const WANT =
  '(want|need|get me|give me|have|connect me (to|with)|transfer me (to)?|put me through (to)?|voglio|vorrei|mi serve|ho bisogno( di)?|passami|mi passi|quero|queria|gostaria( de)?|preciso( de)?|me passa|chama|chamar|quisiera|necesito|pasame|me pasas|me pasa|ponme con|ponerme con|comunicar(me)? con)';

const TALK_TO_WEAK = new RegExp(`\\b${TALK}( \\w+){0,3} (${WEAK}|${SOMEONE})\\b`);
// "can someone from sales call me?", "qualcuno mi può chiamare?", "alguém pode me ligar?": a call from a person.
const SOMEONE_CALLS = new RegExp(
  `\\b${SOMEONE}( \\w+){0,4} (call|ring|phone|contact|chiamare|chiamarmi|richiamarmi|contattarmi|ligar|ligue|ligarme|contatar|llamar|llamarme|contactar|contactarme)\\b`,
);
const WANT_WEAK = new RegExp(`\\b${WANT}( \\w+){0,2} ${WEAK}\\b`);

const FILLER = new Set(
  'please pls plz per favore por favor favor a an the un una uno um uma o real vero vera now ora agora ahora thanks thank you grazie obrigado obrigada gracias hi hello ciao ola oi hola i want voglio quero quiero'.split(
    ' ',
  ),
);
const WEAK_WORDS = new RegExp(`^${WEAK}$`);

// "I don't need a person, just the price": a request only counts in a clause without a negation.
const NEGATION =
  /\b(not|don t|dont|doesn t|never|no need|non|nao|nunca|mai|nessun[oa]?|ninguem|nadie|no (quiero|necesito|hace falta|hablar))\b/;

function clauseAsksForHuman(clause: string): boolean {
  let words = normalizedWords(clause);
  for (const pattern of NOT_A_REQUEST) words = words.replace(pattern, ' ');
  if (NEGATION.test(words)) return false;
  if (STRONG.test(words) || TALK_TO_WEAK.test(words) || WANT_WEAK.test(words) || SOMEONE_CALLS.test(words))
    return true;
  const meaningful = words.split(' ').filter((word) => word !== '' && !FILLER.has(word));
  return meaningful.length > 0 && meaningful.length <= 2 && meaningful.every((word) => WEAK_WORDS.test(word));
}

/** Whether the customer asks for a person; each clause (split at punctuation) is judged on its own. */
export function asksForHuman(text: string): boolean {
  return text.split(/[,.;:!?\n]+/u).some(clauseAsksForHuman);
}
