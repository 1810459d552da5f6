import type { Language } from '../../conversations/conversations.table.js';

/**
 * The words and phrases the qualifier reads a profile from, in English, Italian, Portuguese and Spanish.
 * All languages are read at once: customers mix them ("my name is João, trabalho na Natura").
 */

// "..., not Y" / "non Y" / "não Y" / ", no Y": the value being replaced, dropped before reading the new one.
export const NEGATED =
  /(?:,\s*|\s)(?:and\s+|e\s+|y\s+)?(?:not|non|não|nao|instead of|invece di|em vez de|no lugar de|en vez de|en lugar de)\s+([^,.;!?\n]*)|,\s*no\s+([^,.;!?\n]*)/giu;
export const CLAUSE_END = /[,;!?\n]|\.(?:\s|$)/u;
// "Acme and my email is ...": the company ends where the next statement about the customer begins.
export const NEXT_STATEMENT =
  /\s(?:and|e|ed|y)\s+(?:my|i|i'm|il|la|mi|meu|minha|o|a|eu|mio|sono|sou|soy|yo)\b|\s(?:and|e|y)\s+(?:the|a|o|el|la)\s+(?:e-?mail|email|correo|mail)\b/iu;

/** Words that open a correction; removed before reading, so "actually Rossi" is read as "Rossi". */
export const CORRECTION_OPENERS =
  /^(?:(?:oops|sorry|actually|wait|correction|typo|i meant|i mean|my bad|no|nope|anzi|scusa|scusami|scusate|pardon|in realtà|volevo dire|ho sbagliato|correzione|na verdade|aliás|alias|desculpa|desculpe|quis dizer|errei|correção|correcao|perdón|perdon|perdona|disculpa|en realidad|quise decir|mejor dicho|me equivoqué|corrijo|corrección|correccion)\b[\s,:;.!-]*)+/iu;
export const CORRECTION_WORD =
  /\b(?:actually|sorry|i meant|correction|typo|wrong|anzi|scusa|in realtà|volevo dire|sbagliat|correzione|na verdade|aliás|desculpa|quis dizer|errei|errado|correção|perdón|perdon|en realidad|quise decir|mejor dicho|me equivoqué|equivocado|corrección|corrijo)\b/iu;

const IS = String.raw`(?:\s+(?:is|è|e|é|es|são|sono|son)|'s|’s)?\s*[:=]?\s*`;

/** Read first: "nome e cognome: Maria Rossi" must not be read as a surname by the "cognome" cue. */
export const FULL_NAME_LABELS = [
  new RegExp(String.raw`\b(?:my |the )?full name${IS}`, 'iu'),
  /\b(?:il mio )?nome e cognome\s*(?:sono|è|e|:)?\s+/iu,
  /\b(?:o meu |meu |o )?nome completo\s*(?:é|e|:)?\s+/iu,
  /\b(?:mi |el )?nombre completo\s*(?:es|:)?\s+/iu,
  /\bnombre y apellidos?\s*(?:son|es|:)?\s+/iu,
];
export const LAST_NAME_CUES = [
  new RegExp(
    String.raw`\b(?:my|the|his|her) (?:last name|surname|family name|last-name|lastname)${IS}`,
    'iu',
  ),
  /\b(?:last name|surname|lastname)\s*[:=]?\s+/iu,
  /\b(?:il mio|il) cognome\s*(?:è|e|:)\s*/iu,
  /\bcognome\s*(?:è|e|:)?\s+/iu,
  /\b(?:o\s+)?(?:meu|o) (?:sobrenome|apelido)\s*(?:é|e|:)\s*/iu,
  /\b(?:sobrenome|apelido)\s*(?:é|e|:)?\s+/iu,
  /\b(?:mi|el|mis|los) apellidos?\s*(?:es|son|:)\s*/iu,
  /\bapellidos?\s*(?:es|son|:)?\s+/iu,
];
export const FIRST_NAME_CUES = [
  new RegExp(String.raw`\b(?:my|the) first name${IS}`, 'iu'),
  /\bfirst name\s*[:=]?\s+/iu,
  /\b(?:o\s+)?(?:meu\s+)?primeiro nome\s*(?:é|e|:)?\s+/iu,
  /\bnome di battesimo\s*(?:è|e|:)?\s+/iu,
  /\bnombre de pila\s*(?:es|:)?\s+/iu,
];
/** A full name follows: first word(s) first name, the rest last name. */
export const NAME_CUES = [
  new RegExp(String.raw`\bmy (?:full )?name${IS}`, 'iu'),
  /(?:^|[\s,.!])(?:the )?(?:name's|name’s|names|name is)\s+/iu,
  /\bname\s*[:=]\s*/iu,
  /\bmi chiamo\s+/iu,
  /\b(?:il mio|il) nome\s*(?:è|e|:)\s*/iu,
  /\bnome\s*:\s*/iu,
  /\b(?:me chamo|chamo-me|eu me chamo)\s+/iu,
  /\b(?:o\s+)?(?:meu|o) nome\s*(?:é|e|:)\s*/iu,
  /\bme llamo\s+/iu,
  /\b(?:mi|el) nombre\s*(?:es|:)\s*/iu,
  /\bnombre\s*:\s*/iu,
  // "call me Bob": a cue only when a name really follows (see readNames); "call me back" is not one.
  /\b(?:please\s+)?call me\s+/iu,
];
/** "call me", the only name cue that is also an everyday phrase ("call me back", "call me tomorrow"). */
export const CALL_ME = /call me/iu;
/** Weaker: "I'm ...", "sono ...", "sou ...", "soy ..." also start "I'm interested", so a name must follow. */
export const WEAK_NAME_CUES = [
  /(?:^|[\s,.!])(?:i'm|i’m|im|i am|this is|it's|it’s)\s+/iu,
  /(?:^|[\s,.!])(?:sono|io sono|qui è|qui e|mi presento,?|parla|ti scrive)\s+/iu,
  /(?:^|[\s,.!])(?:sou|aqui é|aqui e|eu sou|quem fala é|fala|aqui quem fala é)\s+(?:o\s+|a\s+)?/iu,
  /(?:^|[\s,.!¡])(?:soy|yo soy|aquí|aqui|habla|te escribe|le escribe|les escribe)\s+/iu,
];
/** Words that end a name: what follows is something else ("John Smith from Acme", "Maria e lavoro ..."). */
export const NAME_STOP = new Set(
  `from at with and i my work working of for e ed lavoro presso per sono mia mio trabalho na no em para pela pelo sou minha meu
but ma mas here qui aqui y trabajo en soy con desde mi yo pero and`.split(/\s+/),
);
/** After a name, what introduces the company; English ones are understood in every language. */
export const COMPANY_AFTER_NAME: Readonly<Record<Language, RegExp>> = {
  en: /^(?:from|at|with|of)\s+/iu,
  it: /^(?:from|at|with|di|da|presso|della|dell['’]|per)\s*/iu,
  pt: /^(?:from|at|with|da empresa|na empresa|da|do|na|no|de)\s+/iu,
  es: /^(?:from|at|with|de la empresa|de|en|desde)\s+/iu,
};
export const COMPANY_CUES = [
  /\b(?:my|our|the) (?:company|business|firm|employer|organi[sz]ation)(?: name)?(?:\s+is|'s|’s| is called)\s+/iu,
  /\b(?:company|company name|organi[sz]ation|employer|business)\s*[:=]\s*/iu,
  /\b(?:company|business|firm|shop|store|agency|startup|studio)\s+(?:called|named)\s+/iu,
  /\b(?:i|we)\s*(?:'m|’m| am| are|'re|’re)?\s*(?:work|working|works)\s+(?:at|for|with|in)\s+/iu,
  /\b(?:i|we)\s+(?:run|own|manage)\s+(?:a company called\s+)?/iu,
  /\b(?:i'm|i’m|i am|we're|we are) with\s+(?=\p{Lu})/u,
  /\b(?:lavoro|lavoriamo)\s+(?:in|per|presso|da|alla|nella|con|alla ditta|all'azienda)\s+/iu,
  /\b(?:lavoro|lavoriamo)\s+(?:all['’]|nell['’])/iu,
  /\b(?:la mia|la nostra|l['’])\s*(?:azienda|società|ditta|impresa)\s+(?:è|e|si chiama)\s+/iu,
  /\b(?:azienda|società|ditta|impresa|negozio|studio|agenzia)\s+(?:si chiama|che si chiama|chiamata|di nome)\s+/iu,
  /\b(?:azienda|società|ditta)\s*[:=]\s*/iu,
  /\b(?:trabalho|trabalhamos|trabalhando)\s+(?:na|no|em|para|pela|pelo)\s+/iu,
  /\b(?:a\s+)?(?:minha|nossa|a)\s+empresa\s+(?:é|e|se chama|chama-se)\s+/iu,
  /\bempresa\s+(?:chamada|que se chama|se chama|chama-se|llamada|que se llama|se llama)\s+/iu,
  /\b(?:trabajo|trabajamos|trabajando)\s+(?:en|para|con)\s+(?:la empresa\s+)?/iu,
  /\b(?:mi|nuestra|la)\s+(?:empresa|compañía|compania|sociedad)\s+(?:es|se llama)\s+/iu,
  /\b(?:empresa|compañía|compania)\s*[:=]\s*/iu,
  // "soy de la empresa X", "sou da empresa X", "sono della ditta X", "I'm from the company X".
  /\b(?:soy|sou|sono|i'm|i’m|i am|we're|we are)\s+(?:de la|da|della|dell['’]|from the|from|de)\s*(?:empresa|compañía|compania|ditta|azienda|società|company|firm)\s+/iu,
  // Owners: "I own X", "I'm the owner of X", "sou dona da X", "sono il titolare della X", "soy el dueño de X".
  /\b(?:i'm|i’m|i am) (?:the )?(?:owner|founder|co-founder|ceo|director|manager) (?:of|at)\s+/iu,
  /\bsono (?:il |la )?(?:titolare|proprietari[oa]|fondatore|fondatrice|responsabile) (?:di|della|del|dell['’])\s*/iu,
  /\bsou (?:o |a )?(?:dono|dona|sócio|sócia|socio|socia|proprietári[oa]|proprietari[oa]|fundador|fundadora|gerente|diretor|diretora) (?:da|do|de)\s+/iu,
  /\bsoy (?:el |la )?(?:dueño|dueña|dueno|duena|propietari[oa]|fundador|fundadora|gerente|director|directora) (?:de la|del|de)\s+/iu,
  // "I work in sales at X", "trabalho com vendas na X", "lavoro come commerciale presso X": a capitalised company.
  /\b(?:i work|working|work)\b[^,.;!?\n]{0,30}?\s(?:at|for)\s+(?=\p{Lu})/u,
  /\b(?:lavoro|lavoriamo)\b[^,.;!?\n]{0,30}?\s(?:presso|per|alla|nella|in)\s+(?=\p{Lu})/u,
  /\b(?:trabalho|trabalhamos)\b[^,.;!?\n]{0,30}?\s(?:na|no|pela|pelo|para a|para o|em)\s+(?=\p{Lu})/u,
  /\b(?:trabajo|trabajamos)\b[^,.;!?\n]{0,30}?\s(?:en|para)\s+(?=\p{Lu})/u,
];
export const EMAIL_CUE =
  /\be-?mail\b|\bindirizzo\b|\bcorreo\b|\bendereço\b|\bendereco\b|\bmail\b|\bcorreio eletr[oô]nico\b/iu;
// Starts only where a word starts (the lookbehind), so a long word without @ is scanned once, not once
// per character.
export const EMAIL_CANDIDATE = /(?<![^\s<>()[\]"',;:])[^\s<>()[\]"',;:]*@[^\s<>()[\]"',;:]*/gu;
/** "john at acme dot com", "maria arroba gmail punto com": an address spelt out. */
export const SPELT_EMAIL =
  /\b([\p{L}\p{N}._%+-]+)\s*(?:\(at\)|\[at\]|\sat\s|\sarroba\s|\schiocciola\s)\s*([\p{L}\p{N}-]+(?:\s*(?:\(dot\)|\[dot\]|\sdot\s|\spunto\s|\sponto\s|\.)\s*[\p{L}\p{N}-]+)+)/iu;
