import { isNameWord, isParticle } from './names.js';
import { normalizedWords } from './text.js';

/**
 * How a value the customer typed becomes a profile value: as written (no change of case or punctuation),
 * trimmed, with emoji and markup removed; and why a value cannot be a name or a company.
 */

// Emoji, their modifiers and joiners, and the pictographs WhatsApp keyboards offer.
const EMOJI =
  /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u{FE0F}|\u{FE0E}|\u{200D}|\u{20E3}|[\u{E0020}-\u{E007F}]/gu;
const HTML_TAG = /<\/?[a-z][^<>]*>/giu;
const MARKDOWN_LINK = /!?\[([^\]]*)\]\([^)]*\)/gu;
// WhatsApp and markdown emphasis around words: *bold*, _italic_, ~strike~, `code`, **bold**, __bold__.
const EMPHASIS = /(^|[\s(])([*_~`]{1,3})(?=\S)([^*_~`\n]*?\S)\2(?=$|[\s.,;:!?)])/gu;
const FENCE = /```/gu;

/** The text without emoji, HTML tags and emphasis marks (the words inside are kept). */
export function withoutDecoration(text: string): string {
  let result = text.normalize('NFC').replace(FENCE, ' ').replace(MARKDOWN_LINK, '$1').replace(HTML_TAG, ' ');
  for (let pass = 0; pass < 2; pass++) result = result.replace(EMPHASIS, '$1$3');
  return result
    .replace(EMOJI, ' ')
    .replace(/[ \t]+/gu, ' ')
    .replace(/ *\n */gu, '\n')
    .trim();
}

/** Characters that belong to code, templates or markup, never to a name or a company. */
const CODE = /[<>{}[\]\\|`$=;^]|\b[a-z_]+\(|\/\/|\*\/|\/\*|--\s*$|&#|%[0-9a-f]{2}/iu;

/** "SYSTEM: ...", "assistant: ...": a message dressed as instructions. */
const ROLE_PREFIX = /^\s*(?:system|assistant|user|developer|admin|sistema|istruzioni|instructions?)\s*:/iu;

export function looksLikeCode(text: string): boolean {
  return CODE.test(text) || ROLE_PREFIX.test(text);
}

export type NameProblem = 'nameReasonDigits' | 'nameReasonLink' | 'nameReasonCode' | 'nameReasonSentence';
export type CompanyProblem = 'companyReasonCode' | 'companyReasonLong' | 'companyReasonLink';

export const MAX_NAME_WORDS = 5;
export const MAX_COMPANY_LENGTH = 100;

/** Words that are never part of a name, in the four languages (accent-free, lower case). */
const COMMON_WORDS = new Set(
  `a an the and or but if so to of in on at by for with from about as into than then there here this that these those it its
i me my we our you your he she they them his her is are was were be been am do does did have has had can could will would
shall should may might must not no yes yeah yep ok okay sure fine good great well thanks thank please hi hello hey dear
what who why how when where which back call later tomorrow today now soon again plan pro basic price prices quote info
information interested looking want need like just only also still really very much more less some any all every one
name surname company email mail address number phone work job office business firm team sales support help
il lo la i gli le un una uno di da del della dei delle al alla nel nella con su per tra fra e ed o ma se che chi come
dove quando perche cosa sono sei siamo ho hai ha abbiamo voglio vorrei mi ti ci si non sì si no grazie ciao salve
buongiorno buonasera prego certo bene male anche ancora solo molto poco piu meno tutto tutti nome cognome azienda
ditta lavoro prezzo preventivo informazioni interessato interessata richiamami domani oggi
o os as um uma uns umas do dos das no nos na nas em por para pelo pela com sem sou somos tenho temos quero queria
gostaria preciso eu voce voces ele ela nos meu minha seu sua obrigado obrigada ola oi bom boa dia tarde noite tudo
sim nao nada ainda tambem muito pouco mais menos sobrenome apelido empresa trabalho preco orcamento informacoes
el los las unos unas del al en con sin por para soy somos tengo tenemos quiero quisiera necesito yo usted ustedes
mi mis tu su sus nuestro nuestra gracias hola buenos buenas dias tardes noches todo nada todavia tambien mucho poco
mas apellido nombre trabajo precio presupuesto informacion interesado interesada manana hoy
set mark make tell ignore forget give show say send change update delete pretend act respond reply system assistant
instruction instructions prompt previous confirmed profile everything anything nothing ignora dimmi dammi istruzioni
precedenti esquece ignore diga instrucoes anteriores olvida dime dame instrucciones anteriores`.split(/\s+/u),
);

export function isCommonWord(word: string): boolean {
  return COMMON_WORDS.has(normalizedWords(word).trim());
}

/** Why `words` cannot be a name, or null when they can. */
export function nameProblem(text: string, options: { lenient?: boolean } = {}): NameProblem | null {
  if (/@|https?:|www\.|\.(?:com|net|org|it|br|pt|es|io)\b/iu.test(text)) return 'nameReasonLink';
  if (looksLikeCode(text)) return 'nameReasonCode';
  if (/\d/u.test(text)) return 'nameReasonDigits';
  const words = text.split(/\s+/u).filter(Boolean);
  if (words.length === 0 || words.length > MAX_NAME_WORDS) return 'nameReasonSentence';
  // Answering "what's your name?", a capitalised "Will" or "Grace" is a name although also a word.
  const common = (word: string) =>
    isCommonWord(word.replace(/\.$/u, '')) && !(options.lenient && /^\p{Lu}/u.test(word));
  const nameLike = words.every((word) => isNameWord(word) && (isParticle(word) || !common(word)));
  return nameLike ? null : 'nameReasonSentence';
}

/** Why `text` cannot be a company name, or null when it can. */
export function companyProblem(text: string): CompanyProblem | null {
  if (/https?:|www\./iu.test(text)) return 'companyReasonLink';
  if (looksLikeCode(text) || text.includes('@')) return 'companyReasonCode';
  if (text.length > MAX_COMPANY_LENGTH) return 'companyReasonLong';
  return null;
}

/** Legal forms whose final dot is part of the name ("Ltda.", "Inc.", "S.r.l."). */
const LEGAL_ABBREVIATIONS = new Set(
  'jr sr ltd inc co corp ltda lda cia srl spa snc sas sa sl slu llc llp plc bros eireli me epp gmbh ag bv nv cie soc coop assoc int intl'.split(
    ' ',
  ),
);
/** Words that only ever end a company name: a segment with one is a company, not a person. */
export const LEGAL_FORM =
  /(?:^|\s)(?:ltd|limited|inc|llc|llp|plc|corp|corporation|gmbh|s\.?\s?r\.?\s?l|s\.?\s?p\.?\s?a|s\.?\s?n\.?\s?c|s\.?\s?a\.?\s?s|ltda|lda|eireli|s\.?\s?a|s\.?\s?l|s\.?\s?l\.?\s?u|mei|me|epp|cia|& co|company|co)\.?$/iu;

/** A company as written: quotes around it and a sentence's final punctuation removed, a legal form's dot kept. */
export function tidyCompany(raw: string): string {
  let value = raw
    .trim()
    // "lavoro per il Comune di Roma", "trabajo en la Academia X": the article is not part of the name.
    .replace(/^(?:il|lo|la|l['’]|i|gli|le|el|los|las|o|a|os|as|the)\s*(?=\p{Lu})/u, '')
    .replace(/^["“'‘«]+|["”'’»]+$/gu, '')
    .replace(/[,;:!?]+$/u, '')
    .trim();
  if (value.endsWith('.')) {
    const lastWord = value.slice(0, -1).split(/\s+/u).at(-1) ?? '';
    const keep =
      lastWord.includes('.') ||
      /^\p{L}$/u.test(lastWord) ||
      LEGAL_ABBREVIATIONS.has(lastWord.toLowerCase().replace(/[&.]/gu, ''));
    if (!keep) value = value.replace(/\.+$/u, '').trim();
  }
  return value.replace(/^["“'‘«]+|["”'’»]+$/gu, '').trim();
}

/** Titles before a name: "Dr. Raj Kumar" is Raj Kumar. */
const TITLE =
  /^(?:dr|dra|mr|mrs|ms|miss|prof|sig|sig\.ra|sigra|dott|dott\.ssa|dottssa|ing|avv|arch|sr|sra|srta|don|doña|dona)\.?\s+(?=\p{L})/iu;

/** A name as written: a title and a sentence's final punctuation removed; an initial keeps its dot ("J."). */
export function tidyName(raw: string): string {
  const value = raw
    .trim()
    .replace(TITLE, '')
    .replace(/[,;:!?]+$/u, '');
  return /(?:^|\s)\p{L}\.$/u.test(value) ? value : value.replace(/\.+$/u, '').trim();
}
