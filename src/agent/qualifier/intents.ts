import { normalizedWords } from './text.js';

/**
 * What a message asks or says besides profile values, read on lower-case, accent-free words (see
 * normalizedWords) in the four languages at once.
 */

const NO_COMPANY = new RegExp(
  [
    String.raw`\bno (?:company|business|firm|employer)\b`,
    String.raw`\b(?:i|we) (?:don ?t|do not|dont) (?:have|work for|own|run) (?:a |any )?(?:company|business|employer)\b`,
    String.raw`\b(?:not|n t) (?:with|at|from) (?:a |any )?(?:company|business)\b`,
    String.raw`\b(?:freelancer?|freelancing|self employed|selfemployed|sole trader|independent|on my own|by myself|just me|private (?:person|individual|customer)|individual|personal use|for myself|for personal)\b`,
    String.raw`\b(?:none|n a|not applicable)\b`,
    // Not working for a company at all: students, retirees, people between jobs.
    String.raw`\b(?:i m a student|student|unemployed|retired|between jobs|studente|studentessa|pensionato|pensionata|disoccupato|disoccupata|estudante|aposentado|aposentada|desempregado|desempregada|estudiante|jubilado|jubilada|desempleado|desempleada)\b`,
    String.raw`\b(?:nessuna (?:azienda|societa|ditta)|non (?:ho|abbiamo) (?:un |una |nessuna )?(?:azienda|societa|ditta|impresa)|libero professionista|libera professionista|lavoratore autonomo|lavoratrice autonoma|lavoro (?:in proprio|da solo|da sola|per conto mio)|privato|privata|autonomo|autonoma|partita iva|per uso personale|uso personale)\b`,
    String.raw`\b(?:nenhuma(?: empresa)?|sem empresa|nao (?:tenho|temos|trabalho (?:em|numa|para)) (?:uma |nenhuma )?(?:empresa)?|autonomo|autonoma|mei|microempreendedor|pessoa fisica|particular|profissional liberal|trabalho por conta propria|conta propria|por conta propria|independente|para uso pessoal|uso pessoal|trabalhador independente|empresario em nome individual|eni)\b`,
    String.raw`\b(?:ninguna(?: empresa)?|sin empresa|no tengo (?:una |ninguna )?empresa|no (?:trabajo|trabajamos) (?:en|para) (?:una |ninguna )?empresa|autonomo|autonoma|trabajador(?:a)? por cuenta propia|por cuenta propia|cuenta propia|particular|independiente|profesional independiente|para uso personal|uso personal)\b`,
  ].join('|'),
);
// "I'm a freelancer but we have a company, Acme": a company named after all is taken instead.
const HAS_COMPANY = /\b(?:my company|minha empresa|la mia azienda|mi empresa)\b/;

/** The customer says they have no company (a freelancer, "MEI", "libero professionista", ...). */
export function saysNoCompany(text: string): boolean {
  const words = normalizedWords(text);
  return NO_COMPANY.test(words) && !HAS_COMPANY.test(words);
}

const PRICE = new RegExp(
  [
    String.raw`\b(?:price|prices|pricing|cost|costs|how much|quote|quotation|estimate|rate|rates|fee|fees|discount|discounts|offer|deal|cheaper|cheapest|budget|promo|promotion|coupon|free trial|trial|per month|monthly|invoice)\b`,
    String.raw`\b(?:prezzo|prezzi|costo|costi|costa|quanto|preventivo|sconto|sconti|offerta|tariffa|tariffe|listino|promozione|economico)\b`,
    String.raw`\b(?:preco|precos|custo|custa|quanto|orcamento|desconto|descontos|oferta|promocao|tabela|valor|valores|mensalidade|barato)\b`,
    String.raw`\b(?:precio|precios|coste|costo|cuesta|cuanto|presupuesto|cotizacion|descuento|descuentos|oferta|tarifa|tarifas|promocion|barato|rebaja)\b`,
  ].join('|'),
);
const COMMITMENT = new RegExp(
  [
    String.raw`\b(?:guarantee|warranty|promise|refund|contract|deliver|delivery|ship|shipping|when can|how long|by (?:monday|tuesday|wednesday|thursday|friday|tomorrow)|deadline)\b`,
    String.raw`\b(?:garanzia|garantire|garantite|promettere|rimborso|contratto|consegna|consegnate|spedizione|quando|entro|quanto tempo)\b`,
    String.raw`\b(?:garantia|garantem|garante|prometer|reembolso|contrato|entrega|entregam|envio|quando|prazo|quanto tempo)\b`,
    String.raw`\b(?:garantia|garantizan|garantiza|prometer|reembolso|contrato|entrega|entregan|envio|cuando|plazo|cuanto tiempo)\b`,
  ].join('|'),
);

export type Inquiry = 'price' | 'commitment' | 'question';

/**
 * A question the qualifier cannot answer itself: prices, discounts and quotes; delivery dates, guarantees
 * and contracts; or any other question. The qualifier then says a person will answer it, and never
 * states a figure, a discount or a promise.
 */
export function inquiryOf(text: string): Inquiry | null {
  const words = normalizedWords(text);
  if (PRICE.test(words)) return 'price';
  const question = /\?|¿/u.test(text);
  if (
    COMMITMENT.test(words) &&
    (question || /\b(?:can|could|will|do|puoi|potete|pode|podem|puede|pueden)\b/.test(words))
  )
    return 'commitment';
  return question ? 'question' : null;
}

/** Questions about the questions themselves ("why do you need it?"): not answers, not worth a person. */
const META_QUESTION = /\b(?:why|what for|perche|a cosa serve|por que|pra que|para que|por qué)\b/;
export function isMetaQuestion(text: string): boolean {
  return META_QUESTION.test(normalizedWords(text));
}

/** "I'd rather not say": the field is left unknown and not asked again. */
const DECLINES =
  /\b(?:rather not|prefer not|i won ?t|wont say|no thanks|not (?:going|willing) to|don ?t want to (?:say|give|share)|preferisco (?:di )?no|preferisco non|non voglio (?:dirlo|darlo|dare)|prefiro nao|nao quero (?:dizer|dar|informar|passar)|prefiero no|no quiero (?:decir|dar|darlo|compartir))\b/;
export function declines(text: string): boolean {
  return DECLINES.test(normalizedWords(text));
}

/** Messages that carry no answer at all: greetings, thanks, yes/no, "ok". */
const FILLER_PHRASES =
  /\b(?:good (?:morning|afternoon|evening|day)|hi there|hello there|thank you|bom dia|boa (?:tarde|noite)|tudo bem|buen(?:os|as) (?:dias|tardes|noches)|va bene|d accordo|de acuerdo|per favore|por favor)\b/g;
const FILLER = new Set(
  `hi hello hey hiya yes yeah yep yup no nope ok okay k sure fine thanks thx ty great cool perfect alright hmm um uh sorry
oops typo wait ciao salve buongiorno buonasera grazie si certo perfetto ola oi obrigado obrigada sim claro beleza blz certo hola
gracias vale perfecto listo please`.split(/\s+/),
);
export function isFiller(text: string): boolean {
  const words = normalizedWords(text).replace(FILLER_PHRASES, ' ').trim().split(/\s+/).filter(Boolean);
  return words.every((word) => FILLER.has(word));
}
