import { canonicalEmail } from '../../accounts/email-address.js';
import type { Language } from '../../conversations/conversations.table.js';
import type { Profile } from '../agent.js';
import { asksForHuman } from '../handoff.js';
import type { ProfileField } from '../qualifier-settings.table.js';
import {
  CALL_ME,
  CLAUSE_END,
  COMPANY_AFTER_NAME,
  COMPANY_CUES,
  CORRECTION_OPENERS,
  EMAIL_CANDIDATE,
  EMAIL_CUE,
  FIRST_NAME_CUES,
  FULL_NAME_LABELS,
  LAST_NAME_CUES,
  NAME_CUES,
  NAME_STOP,
  NEGATED,
  NEXT_STATEMENT,
  SPELT_EMAIL,
  WEAK_NAME_CUES,
} from './cues.js';
import { declines, inquiryOf, isFiller, saysNoCompany } from './intents.js';
import { isCompoundFirstName, isParticle, leadingNameWords, splitFullName } from './names.js';
import { normalizedWords } from './text.js';
import {
  type CompanyProblem,
  companyProblem,
  isCommonWord,
  LEGAL_FORM,
  type NameProblem,
  nameProblem,
  tidyCompany,
  tidyName,
  withoutDecoration,
} from './values.js';

export type EmailProblem = 'emailReasonNoAt' | 'emailReasonDomain' | 'emailReasonFormat';

export interface Extraction {
  /** Valid values found in the message; each overwrites what was known (a correction). */
  updates: Partial<Profile>;
  /** The customer has no company (freelancer, "MEI", "libero professionista", ...). */
  companyNone?: boolean;
  emailProblem?: EmailProblem;
  /** An answer refused as a name, with the field it was meant for and why. */
  nameProblem?: { field: 'first_name' | 'last_name'; reason: NameProblem };
  companyProblem?: CompanyProblem;
  /** The customer would rather not give the field asked. */
  declined?: boolean;
}

/** What the message is read against: the question just asked and what is known and still missing. */
export interface ReadContext {
  asked: ProfileField | null;
  language: Language;
  known: Profile;
  /** The field the customer gave last: where "actually, Rossi" goes when no field is named. */
  lastGiven?: ProfileField | null;
  /** Written to a person, not to the bot: only what a strong cue or an e-mail address states. */
  outright?: boolean;
}

/** The message still to read: each clause read is blanked, so "last name: X" is not read again as "name: X". */
interface Reading {
  text: string;
}

function takeClause(reading: Reading, cue: RegExp, end: RegExp = CLAUSE_END): string | null {
  const match = cue.exec(reading.text);
  if (!match) return null;
  const start = match.index + match[0].length;
  const rest = reading.text.slice(start);
  const stop = rest.search(end);
  const clause = stop === -1 ? rest : rest.slice(0, stop);
  reading.text = `${reading.text.slice(0, match.index)} ${reading.text.slice(start + clause.length)}`;
  return clause.trim();
}

function emailProblemOf(candidate: string): EmailProblem {
  const parts = candidate.split('@');
  if (parts.length !== 2) return 'emailReasonFormat';
  return /^[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}$/u.test(parts[1] ?? '')
    ? 'emailReasonFormat'
    : 'emailReasonDomain';
}

const MAIL_PROVIDER =
  /\b(?:gmail|hotmail|outlook|yahoo|icloud|live|libero|virgilio|uol|bol|terra|aol|proton)\b/iu;

function readEmail(text: string, result: Extraction, asked: ProfileField | null): void {
  const candidates = [...text.matchAll(EMAIL_CANDIDATE)].map((match) =>
    match[0].replace(/^mailto:/iu, '').replace(/[.!?]+$/u, ''),
  );
  for (const candidate of candidates.reverse()) {
    const email = canonicalEmail(candidate);
    if (email) {
      result.updates.email = email;
      delete result.emailProblem;
      return;
    }
    result.emailProblem ??= emailProblemOf(candidate);
  }
  if (candidates.length > 0) return;
  const spelt = SPELT_EMAIL.exec(text);
  if (spelt && (asked === 'email' || EMAIL_CUE.test(text))) {
    const domain = (spelt[2] ?? '').replace(
      /\s*(?:\(dot\)|\[dot\]|\sdot\s|\spunto\s|\sponto\s|\.)\s*/giu,
      '.',
    );
    const email = canonicalEmail(`${spelt[1]}@${domain}`);
    if (email) {
      result.updates.email = email;
      return;
    }
  }
  const single = text.trim().split(/\s+/u);
  const looksLikeAddress =
    single.length === 1 && (/\.\p{L}{2,}$/u.test(single[0] ?? '') || MAIL_PROVIDER.test(text));
  if ((asked === 'email' && looksLikeAddress) || (EMAIL_CUE.test(text) && MAIL_PROVIDER.test(text))) {
    result.emailProblem = 'emailReasonNoAt';
  }
}

function setFullName(result: Extraction, words: readonly string[]): void {
  const { first, last } = splitFullName(words);
  result.updates.firstName = tidyName(first);
  if (last) result.updates.lastName = tidyName(last);
}

/** "una ditta individuale, Morandi Gianni": of a description and a name, the name. */
function companyPart(value: string): string {
  const parts = value.split(
    /,(?!\s*(?:inc|ltd|llc|lda|ltda|s\.?\s?a|s\.?\s?l|s\.?\s?r\.?\s?l|s\.?\s?p\.?\s?a|gmbh|plc)\b)/iu,
  );
  if (parts.length < 2) return value;
  const described = (part: string) =>
    part
      .trim()
      .split(/\s+/u)
      .filter((word) => isCommonWord(word)).length >= 1;
  const named = parts.filter((part) => looksLikeCompanyName(tidyCompany(part.trim())));
  return described(parts[0] ?? '') && named.length === 1 ? (named[0] ?? value) : value;
}

/** "Student Works Ltd", "Freelancer Studio": a capitalised name of two words or more is a company. */
function isNamedCompany(text: string): boolean {
  const value = tidyCompany(text);
  return (
    looksLikeCompanyName(value) &&
    value.split(/\s+/u).length >= 2 &&
    !/^(?:no|nessuna|sem|sin|nenhuma|ninguna)\b/iu.test(value)
  );
}

/** "a small café called Bean There", "un bar che si chiama Da Mario": the name after "called". */
const CALLED =
  /^.*?\b(?:called|named|chiamat[oa]|che si chiama|si chiama|chamad[oa]|que se chama|se chama|llamad[oa]|que se llama|se llama)\s+/iu;

function readCompany(raw: string, result: Extraction): void {
  const value = raw.replace(CALLED, '');
  const statementEnd = value.search(NEXT_STATEMENT);
  const company = tidyCompany(companyPart(statementEnd === -1 ? value : value.slice(0, statementEnd)));
  // "-", "...", "?": no letters or digits, no answer.
  if (!/[\p{L}\p{N}]/u.test(company)) return;
  if (!isNamedCompany(company) && saysNoCompany(company)) {
    result.companyNone = true;
    return;
  }
  const problem = companyProblem(company);
  if (problem) {
    result.companyProblem = problem;
    return;
  }
  result.updates.company = company;
  delete result.companyNone;
}

/** A word that ends a name: "from", "e", "y", or a lower-case common word ("Maria Rossi in realtà"). */
function endsName(word: string): boolean {
  const lower = word.toLowerCase();
  return NAME_STOP.has(lower) || (isCommonWord(word) && !/^\p{Lu}/u.test(word));
}

/** Name words after a cue, when they are a name: "call me back" and "I'm interested" are not. */
function nameAfterCue(clause: string, language: Language): { words: string[]; rest: string } | null {
  const { words, rest } = italianCompanySplit(leadingNameWords(clause, endsName), language);
  // "De Luca" is a surname; "soy de Madrid" says where the customer is from.
  const first = words[0] ?? '';
  if (words.length === 0 || (isParticle(first) && !/^\p{Lu}/u.test(first))) return null;
  if (nameProblem(words.join(' ')) !== null) return null;
  return { words, rest };
}

/** Where a company named after a cue ends: a legal form's dot ("Acme Inc.", "S.p.A.") stays inside. */
const COMPANY_CLAUSE_END =
  /[;!?\n]|,(?!\s*(?:inc|ltd|llc|lda|ltda|s\.?\s?a|s\.?\s?l|s\.?\s?r\.?\s?l|s\.?\s?p\.?\s?a|gmbh|plc)\b)|(?<=\p{Ll}{3,}\.)\s+|\.\s+(?=(?:my|mi|meu|minha|il mio|la mia|o meu|a minha)\s)/iu;

const CUE_TARGETS: readonly [readonly RegExp[], 'full' | 'first' | 'last'][] = [
  [FULL_NAME_LABELS, 'full'],
  [LAST_NAME_CUES, 'last'],
  [FIRST_NAME_CUES, 'first'],
  [NAME_CUES, 'full'],
];

function readNames(reading: Reading, result: Extraction, context: ReadContext): void {
  const { asked, language, known } = context;
  const nameAsked = asked === 'first_name' || asked === 'last_name';
  for (const [cues, target] of CUE_TARGETS) {
    for (const cue of cues) {
      const before = reading.text;
      const clause = takeClause(reading, cue);
      if (clause === null) continue;
      const name = nameAfterCue(clause, language);
      const capitalised = /^\p{Lu}/u.test(clause);
      // "call me back about the Pro plan": a phrase, not a name. "call me Bob" is one.
      if (CALL_ME.test(cue.source) && (!name || !(capitalised || nameAsked) || name.rest !== '')) {
        reading.text = before.replace(cue, ' ');
        continue;
      }
      if (!name) {
        const reason = nameProblem(clause.split(/[,;]/u)[0]?.trim() ?? '');
        if (reason && reason !== 'nameReasonSentence') {
          result.nameProblem = { field: target === 'last' ? 'last_name' : 'first_name', reason };
        }
        continue;
      }
      if (target === 'last') result.updates.lastName = tidyName(name.words.join(' '));
      else if (target === 'first') result.updates.firstName = tidyName(name.words.join(' '));
      else setFullName(result, name.words);
      if (target === 'full') readCompanyAfterName(name.rest, result, language);
    }
  }
  if (result.updates.firstName || result.updates.lastName) return;
  // "I'm ..." is a name only where a name is expected, not as the answer to "which company?".
  if (asked === 'company' || asked === 'email' || context.outright) return;
  for (const cue of WEAK_NAME_CUES) {
    const before = reading.text;
    const clause = takeClause(reading, cue);
    if (!clause) continue;
    const name = nameAfterCue(clause, language);
    // "I'm at the office": no name, and the words stay to be read as the answer they are.
    if (!name) {
      reading.text = before;
      continue;
    }
    const first = name.words[0] ?? '';
    const companyFollows =
      COMPANY_AFTER_NAME[language].test(name.rest) || COMPANY_AFTER_NAME.en.test(name.rest);
    // "hi i'm john" is a name; "i'm waiting" is not (a common word). Lower case needs a name question,
    // or the name to end the clause or lead to the company; a known name is replaced only by a capitalised one.
    const capitalised = /^\p{Lu}/u.test(first);
    if (!(capitalised || nameAsked || name.rest === '' || companyFollows)) continue;
    if (known.firstName !== null && !capitalised && !nameAsked) continue;
    if (asked === 'last_name' && name.words.length === 1 && known.firstName !== null) {
      result.updates.lastName = tidyName(first);
    } else setFullName(result, name.words);
    readCompanyAfterName(name.rest, result, language);
    return;
  }
}

/**
 * In Italian "Sono Marco Bianchi di Luxottica": after a first and last name, a lower-case "di"/"da"
 * introduces the company, while a capitalised one belongs to the surname ("Marco Di Maio").
 */
function italianCompanySplit(
  name: { words: string[]; rest: string },
  language: Language,
): { words: string[]; rest: string } {
  const cut = name.words.findIndex((word, index) => {
    if (index < 2 || !/^(?:di|da|della|del|de|do)$/u.test(word)) return false;
    // Italian: a lower-case "di" after a full name always leads to the company. Elsewhere only when more
    // than one word follows ("Gustavo Nunes da Nunes Tecnologia"); "João Pereira da Silva" is a surname.
    const after = name.words.slice(index + 1).filter((other) => !isParticle(other));
    const restStartsCapitalised = /^\p{Lu}/u.test(name.rest) ? 1 : 0;
    return language === 'it' || after.length + restStartsCapitalised >= 2;
  });
  if (cut === -1) return name;
  return { words: name.words.slice(0, cut), rest: [...name.words.slice(cut), name.rest].join(' ').trim() };
}

function readCompanyAfterName(rest: string, result: Extraction, language: Language): void {
  if (result.updates.company) return;
  const connector = COMPANY_AFTER_NAME[language].exec(rest) ?? COMPANY_AFTER_NAME.en.exec(rest);
  if (connector) readCompany(rest.slice(connector[0].length).split(CLAUSE_END)[0] ?? '', result);
}

/** Words that open a bare answer without being part of it ("it's Acme", "è Rossi", "se llama ..."). */
const ANSWER_OPENER =
  /^(?:(?:ok|okay|sure|yes|yeah|hi|hello|sì|si|certo|sim|claro|vale|ciao|olá|ola|oi|hola)[\s,.!]+)*(?:(?:it's called|it is called|it's|it’s|its|it is|that's|that is|we are|we're|i'm|i am|è|é|e|sono|sou|soy|es|is|si chiama|se chama|chama-se|se llama|called|the name is|il nome è|o nome é|el nombre es)(?:\s+|$))?/iu;

/** Sentences that ask something rather than answer ("how much is it?", "quanto costa?"). */
const ASKING_WORDS =
  /\b(?:is|are|do|does|can|could|send|want|need|give|get|tell|what|how|have|any|best|lowest|qual|quanto|quanta|vorrei|voglio|mandate|potete|avete|dimmi|dammi|fammi|fate|fai|quero|queria|manda|envia|podem|tem|diga|me da|quiero|quisiera|cuanto|cual|tienen|hay|pueden|me das|dime|dame)\b/;

function answerSentences(text: string): string {
  return text
    .split(/(?<=[?!])\s+|\n+|(?<=\p{Ll}{3,}\.)\s+(?=\p{Lu})|(?<=^\p{Ll}+(?:\s\p{Ll}+)?\.)\s+/u)
    .filter((sentence) => {
      if (/[?¿]/u.test(sentence)) return false;
      if (inquiryOf(sentence) !== 'price') return true;
      return !(ASKING_WORDS.test(normalizedWords(sentence)) || sentence.split(/\s+/u).length >= 5);
    })
    .join('\n')
    .trim();
}

function isNameLike(text: string): boolean {
  return nameProblem(text, { lenient: true }) === null && !LEGAL_FORM.test(text);
}

/** A name given as the answer to a name question; `field` decides a one-word answer's place. */
function readNameAnswer(
  answer: string,
  field: 'first_name' | 'last_name',
  result: Extraction,
  known: Profile,
) {
  const words = tidyName(answer).split(/\s+/u);
  if (field === 'last_name') {
    // "Maria Rossi" to "and your last name?" when Maria is known: the surname is Rossi.
    const repeatsFirst = words.length >= 2 && words[0]?.toLowerCase() === known.firstName?.toLowerCase();
    result.updates.lastName = (repeatsFirst ? words.slice(1) : words).join(' ');
    return;
  }
  if (words.length === 1 || isCompoundFirstName(words)) result.updates.firstName = words.join(' ');
  else setFullName(result, words);
}

/**
 * The message without cues, read as the answer to the question asked; an answer of several parts
 * ("Maria Rossi, Rossi Srl") fills the missing fields each part fits.
 */
function readBareAnswer(text: string, result: Extraction, context: ReadContext): void {
  const { asked } = context;
  if (asked === null) return;
  const answer = answerSentences(text)
    .replace(ANSWER_OPENER, '')
    .replace(/\s+(?:here|qui|aqui|aquí)\s*[.!]?$/iu, '')
    .trim();
  if (answer === '' || isFiller(answer)) return;
  const parts = answer
    .split(/\s*(?:\n|;|,(?!\s*(?:inc|ltd|llc|s\.?a|s\.?r\.?l|ltda|lda)\b)|\s[-–|/]\s)\s*/iu)
    .map((part) => part.trim().replace(/\s+(?:here|qui|aqui|aquí)$/iu, ''))
    .filter((part) => part !== '' && !isFiller(part));
  if (parts.length > 1 && asked !== 'company') {
    readParts(parts, result, context);
    return;
  }
  readSingle(parts.length === 1 && asked !== 'company' ? (parts[0] ?? '') : answer, result, context);
}

function readSingle(answer: string, result: Extraction, context: ReadContext): void {
  const { asked, known } = context;
  if (asked === null) return;
  if (asked === 'company') {
    readCompany(answer, result);
    return;
  }
  if (asked === 'email') {
    if (LEGAL_FORM.test(answer) && known.company === null) readCompany(answer, result);
    return;
  }
  const problem = nameProblem(tidyName(answer), { lenient: true });
  const lead = problem === null ? null : nameAfterCue(answer, context.language);
  const connector = lead
    ? (COMPANY_AFTER_NAME[context.language].exec(lead.rest) ?? COMPANY_AFTER_NAME.en.exec(lead.rest))
    : null;
  if (problem === null && !LEGAL_FORM.test(answer)) {
    readNameAnswer(answer, asked, result, known);
  } else if (lead && connector) {
    // "Jake Turner from Bluepeak", "Sara di Ferri Srl": a name, then the company.
    readNameAnswer(lead.words.join(' '), asked, result, known);
    readCompanyAfterName(lead.rest, result, context.language);
  } else if (LEGAL_FORM.test(answer) && known.company === null && companyProblem(answer) === null) {
    readCompany(answer, result);
  } else {
    result.nameProblem = { field: asked, reason: problem ?? 'nameReasonSentence' };
  }
}

const LEADING_CONNECTOR =
  /^(?:from|at|with|of|di|da|de|do|della|presso|na|no|em|en|desde|da empresa|de la empresa)\s+/iu;

/** Every word of three letters or more capitalised ("Hexa Labs", "Clínica Sorriso"), or a legal form. */
function looksLikeCompanyName(text: string): boolean {
  if (LEGAL_FORM.test(text)) return true;
  const words = text.split(/\s+/u).filter((word) => word.length >= 3);
  return words.length > 0 && words.length <= 8 && words.every((word) => /^[\p{Lu}\p{N}]/u.test(word));
}

/** "soy Carlos, de Madrid": after a name, a place the customer is from is no company. */
const PLACES = new Set(
  'london|manchester|birmingham|leeds|glasgow|edinburgh|dublin|new york|boston|chicago|los angeles|san francisco|toronto|sydney|roma|rome|milano|milan|napoli|naples|torino|turin|firenze|florence|bologna|venezia|venice|genova|palermo|bari|verona|padova|sao paulo|rio|rio de janeiro|belo horizonte|brasilia|salvador|curitiba|recife|porto alegre|fortaleza|lisboa|lisbon|porto|braga|coimbra|faro|madrid|barcelona|valencia|sevilla|seville|malaga|bilbao|zaragoza|mexico|buenos aires|bogota|lima|santiago|italy|italia|brazil|brasil|portugal|spain|espana|england|uk|usa|argentina|colombia|chile'.split(
    '|',
  ),
);
const isPlace = (text: string) => PLACES.has(normalizedWords(text).trim());

function readLeftoverCompany(text: string, result: Extraction): void {
  for (const part of answerSentences(text).split(/\s*[,;\n]\s*/u)) {
    const candidate = part
      .replace(/^[\s.,:;!-]+/u, '')
      .replace(LEADING_CONNECTOR, '')
      .replace(/\s+(?:here|qui|aqui|aquí)$/iu, '');
    if (candidate === '' || isFiller(candidate) || EMAIL_CUE.test(candidate)) continue;
    if (!looksLikeCompanyName(tidyCompany(candidate)) || isPlace(tidyCompany(candidate))) continue;
    readCompany(candidate, result);
    return;
  }
}

/** "Maria Rossi, Rossi Srl": names first, then a part with a legal form or anything else as the company. */
function readParts(parts: readonly string[], result: Extraction, context: ReadContext): void {
  const { asked, known } = context;
  let nameTaken = false;
  const namesMissing = known.firstName === null || known.lastName === null;
  for (const part of parts) {
    if (!nameTaken && namesMissing && isNameLike(tidyName(part))) {
      readNameAnswer(part, asked === 'last_name' ? 'last_name' : 'first_name', result, known);
      nameTaken = true;
    } else if (
      result.updates.company === undefined &&
      (known.company === null || asked === 'company') &&
      (nameTaken || LEGAL_FORM.test(part))
    ) {
      readCompany(part, result);
    }
  }
  if (
    !nameTaken &&
    result.updates.company === undefined &&
    (asked === 'first_name' || asked === 'last_name')
  ) {
    result.nameProblem = {
      field: asked,
      reason: nameProblem(tidyName(parts[0] ?? '')) ?? 'nameReasonSentence',
    };
  }
}

const TRAILING_CORRECTION =
  /\s*,?\s*\b(?:actually|in realtà|in realta|na verdade|en realidad|de fato|anzi)(?=[\s.!,]|$)\s*(?=[.!,]|$)/giu;

const STRONG_CORRECTION =
  /\b(?:actually|i meant|i mean|anzi|in realtà|volevo dire|ho sbagliato|na verdade|aliás|quis dizer|errei|en realidad|quise decir|mejor dicho|me equivoqué|correction|correzione|correção|corrección|corrijo|typo|sorry|scusa|desculpa|perdón|perdon|oops)\b/iu;

/** Which field a correction that names none is about: the one holding the replaced value, else the last given. */
function correctionTarget(negated: readonly string[], context: ReadContext): ProfileField | null {
  const keys: [ProfileField, keyof Profile][] = [
    ['first_name', 'firstName'],
    ['last_name', 'lastName'],
    ['company', 'company'],
  ];
  for (const value of negated) {
    const wanted = value.trim().toLowerCase();
    const hit = keys.find(([, key]) => wanted !== '' && context.known[key]?.toLowerCase() === wanted);
    if (hit) return hit[0];
  }
  return context.lastGiven ?? null;
}

/**
 * Every profile field the message gives, in any of the four languages. Fields introduced by a cue
 * ("my email is", "mi chiamo", "trabalho na", "me llamo") are read wherever they appear, and an e-mail
 * address anywhere is the e-mail; a message without cues is the answer to the question asked.
 */
export function extractProfile(text: string, context: ReadContext): Extraction {
  const result: Extraction = { updates: {} };
  const plain = withoutDecoration(text);
  if (plain === '') return result;
  const negated: string[] = [];
  const opened = plain.replace(CORRECTION_OPENERS, '');
  const isCorrection = opened !== plain || STRONG_CORRECTION.test(plain);
  // "my company is X actually", "mi chiamo X in realtà": the correction word is no part of the value.
  const cleaned = opened
    .replace(TRAILING_CORRECTION, ' ')
    .replace(NEGATED, (_whole, value?: string, other?: string) => {
      negated.push(value ?? other ?? '');
      return ' ';
    });
  readEmail(cleaned, result, context.asked);
  const reading: Reading = { text: cleaned.replace(EMAIL_CANDIDATE, ' ') };
  if (saysNoCompany(plain) && !isNamedCompany(plain)) result.companyNone = true;
  // "partita iva, lavoro da solo" says no company; "lavoro da" is not a company cue there.
  for (const cue of result.companyNone ? [] : COMPANY_CUES) {
    const clause = takeClause(reading, cue, COMPANY_CLAUSE_END);
    if (clause === null) continue;
    readCompany(clause, result);
    break;
  }
  readNames(reading, result, context);
  const namesFound = Boolean(result.updates.firstName || result.updates.lastName || result.nameProblem);
  const companyFound = Boolean(result.updates.company || result.companyNone || result.companyProblem);
  if (asksForHuman(plain) || result.emailProblem || context.outright) return result;
  if (namesFound) {
    // "Mi chiamo Marco Russo, di Edilnord", "I'm Tom Baker, Hexa Labs": the company in the same message.
    if (!companyFound) readLeftoverCompany(reading.text, result);
    return result;
  }
  if (companyFound) return result;
  if (declines(plain) && !result.updates.email) {
    result.declined = true;
    return result;
  }
  if (EMAIL_CUE.test(reading.text)) return result;
  // "actually, Rossi": a correction naming no field goes to the field that held the replaced value (a
  // message that gave an e-mail address corrected that).
  const retarget = isCorrection && !result.updates.email;
  const target = retarget ? (correctionTarget(negated, context) ?? context.asked) : context.asked;
  readBareAnswer(reading.text, result, { ...context, asked: target });
  return result;
}
