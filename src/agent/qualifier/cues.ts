import type { Language } from '../../conversations/conversations.table.js';

/** The words and phrases the qualifier reads a profile from, in English, Italian and Portuguese. */

// "..., not Y" / "non Y" / "não Y": the value being replaced, dropped before reading the new one.
export const NEGATED =
  /(?:,\s*|\s)(?:and\s+|e\s+)?(?:not|non|não|nao|instead of|invece di|em vez de|no lugar de)\s+[^,.;!?\n]*/giu;
export const CLAUSE_END = /[,;!?\n]|\.(?:\s|$)/u;
// "Acme and my email is ...": the company ends where the next statement about the customer begins.
export const NEXT_STATEMENT = /\s(?:and|e|ed)\s+(?:my|i|il|la|mi|meu|minha|o|a)\b/iu;

/** Read first: "nome e cognome: Maria Rossi" must not be read as a surname by the "cognome" cue. */
export const FULL_NAME_LABELS = [
  /\b(?:my )?full name(?:\s+is|'s|’s)?\s*:?\s*/iu,
  /\b(?:il mio )?nome e cognome\s*(?:sono|è|e|:)?\s+/iu,
  /\b(?:o meu |meu )?nome completo\s*(?:é|e|:)?\s+/iu,
];
export const LAST_NAME_CUES = [
  /\bmy (?:last name|surname|family name)(?:\s+is|'s|’s)?\s*:?\s*/iu,
  /\b(?:last name|surname)\s*:?\s+/iu,
  /\bil mio cognome (?:è|e)\s+/iu,
  /\bcognome\s*(?:è|e|:)?\s+/iu,
  /\b(?:o\s+)?meu (?:sobrenome|apelido) (?:é|e)\s+/iu,
  /\b(?:sobrenome|apelido)\s*(?:é|e|:)?\s+/iu,
];
export const FIRST_NAME_CUES = [
  /\bmy first name(?:\s+is|'s|’s)?\s*:?\s*/iu,
  /\bfirst name\s*:?\s+/iu,
  /\bprimeiro nome\s*(?:é|e|:)?\s+/iu,
];
/** A full name follows: first word first name, the rest last name. */
export const NAME_CUES = [
  /\bmy (?:full )?name(?:\s+is|'s|’s)?\s*:?\s*/iu,
  /\bname\s*:\s*/iu,
  /\bcall me\s+/iu,
  /\bmi chiamo\s+/iu,
  /\bil mio nome (?:è|e)\s+/iu,
  /\bnome\s*:\s*/iu,
  /\b(?:me chamo|chamo-me)\s+/iu,
  /\b(?:o\s+)?meu nome (?:é|e)\s+/iu,
];
/** Weaker: "I'm ...", "sono ...", "sou ..." also start "I'm interested", so the next word must look like a name. */
export const WEAK_NAME_CUES = [
  /(?:^|[\s,.!])(?:i'm|i’m|im|i am|this is)\s+/iu,
  /(?:^|[\s,.!])(?:sono|qui è|qui e)\s+/iu,
  /(?:^|[\s,.!])(?:sou|aqui é|aqui e|eu sou)\s+(?:o\s+|a\s+)?/iu,
];
export const NOT_A_NAME = new Set(
  `interested interessato interessata interessati interessado interessada looking here from not very so the a an just sure ok okay
fine good well trying calling writing back new happy glad sorry available busy at in with still also really ready going
qui qua aqui un una uno um uma muito bem molto bene curioso curiosa contento contenta felice feliz di da de do della
yes no si sì sim não nao hi hello hey ciao olá ola oi thanks thank grazie obrigado obrigada why what perché por que
want need vorrei voglio quero queria gostaria preciso`.split(/\s+/),
);
/** Words that end a name: what follows is something else ("John Smith from Acme", "Maria e lavoro ..."). */
export const NAME_STOP = new Set(
  `from at with and i my work working of for e ed lavoro presso per sono mia mio trabalho na no em para pela pelo sou minha meu
but ma mas here qui aqui`.split(/\s+/),
);
/** After a name, what introduces the company; English ones are understood in every language. */
export const COMPANY_AFTER_NAME: Readonly<Record<Language, RegExp>> = {
  en: /^(?:from|at|with)\s+/iu,
  it: /^(?:from|at|with|di|da|presso|della|dell['’])\s*/iu,
  pt: /^(?:from|at|with|da empresa|na empresa|da|do|na|no)\s+/iu,
};
export const COMPANY_CUES = [
  /\b(?:my|our|the) company(?: name)?(?:\s+is|'s|’s)\s+/iu,
  /\b(?:company|organi[sz]ation)\s*:\s*/iu,
  /\b(?:i|we)\s*(?:'m|’m| am| are|'re)?\s*(?:work|working|works)\s+(?:at|for|with)\s+/iu,
  /\b(?:lavoro|lavoriamo)\s+(?:in|per|presso|da|alla|nella|con)\s+/iu,
  /\b(?:lavoro|lavoriamo)\s+(?:all['’]|nell['’])/iu,
  /\b(?:la mia|la nostra)\s+(?:azienda|società|ditta)\s+(?:è|e|si chiama)\s+/iu,
  /\b(?:azienda|società|ditta)\s*:\s*/iu,
  /\b(?:trabalho|trabalhamos)\s+(?:na|no|em|para|pela|pelo|com)\s+/iu,
  /\b(?:a\s+)?(?:minha|nossa)\s+empresa\s+(?:é|e|se chama)\s+/iu,
  /\bempresa\s*:\s*/iu,
];
export const EMAIL_CUE = /\be-?mail\b|\bindirizzo\b/iu;
// Starts only where a word starts (the lookbehind), so a long word without @ is scanned once, not once
// per character.
export const EMAIL_CANDIDATE = /(?<![^\s<>()[\]"',;:])[^\s<>()[\]"',;:]*@[^\s<>()[\]"',;:]*/gu;
export const MAX_COMPANY_WORDS = 8;
