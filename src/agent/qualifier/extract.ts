import { canonicalEmail } from '../../accounts/email-address.js';
import type { Language } from '../../conversations/conversations.table.js';
import type { Profile } from '../agent.js';
import type { ProfileField } from '../qualifier-settings.table.js';
import {
  CLAUSE_END,
  COMPANY_AFTER_NAME,
  COMPANY_CUES,
  EMAIL_CANDIDATE,
  EMAIL_CUE,
  FIRST_NAME_CUES,
  FULL_NAME_LABELS,
  LAST_NAME_CUES,
  MAX_COMPANY_WORDS,
  NAME_CUES,
  NAME_STOP,
  NEGATED,
  NEXT_STATEMENT,
  NOT_A_NAME,
  WEAK_NAME_CUES,
} from './cues.js';
import {
  formatName,
  isNameWord,
  isParticle,
  leadingNameWords,
  looksLikeNotAName,
  MAX_NAME_WORDS,
} from './names.js';

export type EmailProblem = 'emailReasonNoAt' | 'emailReasonDomain' | 'emailReasonFormat';

export interface Extraction {
  /** Valid values found in the message; each overwrites what was known (a correction). */
  updates: Partial<Profile>;
  emailProblem?: EmailProblem;
  nameRejected?: boolean;
  companyRejected?: boolean;
}

/** The message still to read: each clause read is blanked, so "last name: X" is not read again as "name: X". */
interface Reading {
  text: string;
}

function takeClause(reading: Reading, cue: RegExp): string | null {
  const match = cue.exec(reading.text);
  if (!match) return null;
  const start = match.index + match[0].length;
  const rest = reading.text.slice(start);
  const end = rest.search(CLAUSE_END);
  const clause = end === -1 ? rest : rest.slice(0, end);
  reading.text = `${reading.text.slice(0, match.index)} ${reading.text.slice(start + clause.length)}`;
  return clause.trim();
}

function emailProblem(candidate: string): EmailProblem {
  const parts = candidate.split('@');
  if (parts.length !== 2) return 'emailReasonFormat';
  return /^[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}$/u.test(parts[1] ?? '')
    ? 'emailReasonFormat'
    : 'emailReasonDomain';
}

function readEmail(text: string, result: Extraction, asked: ProfileField | null): void {
  const candidate = text.match(EMAIL_CANDIDATE)?.[0]?.replace(/[.!?]+$/u, '');
  if (candidate) {
    const email = canonicalEmail(candidate);
    if (email) {
      result.updates.email = email;
    } else {
      result.emailProblem = emailProblem(candidate);
    }
  } else if (EMAIL_CUE.test(text) || asked === 'email') {
    result.emailProblem = 'emailReasonNoAt';
  }
}

function setName(
  result: Extraction,
  words: string[],
  target: 'full' | 'first' | 'last',
  language: Language,
): void {
  if (words.length === 0) return;
  const italian = language === 'it';
  if (target === 'last') {
    result.updates.lastName = formatName(words, { italian, startsName: false });
  } else if (target === 'first') {
    result.updates.firstName = formatName(words, { italian, startsName: true });
  } else {
    // Formatted whole, then split: "joão da silva" is "João" and "da Silva".
    const [first = '', ...last] = formatName(words, { italian, startsName: true }).split(' ');
    result.updates.firstName = first;
    if (last.length > 0) result.updates.lastName = last.join(' ');
  }
}

function readCompany(value: string, result: Extraction): void {
  const statementEnd = value.search(NEXT_STATEMENT);
  const company = (statementEnd === -1 ? value : value.slice(0, statementEnd))
    .replace(/^["“'‘]|["”'’.]+$/gu, '')
    .trim();
  if (
    company === '' ||
    company.includes('@') ||
    company.split(/\s+/).length > MAX_COMPANY_WORDS ||
    company.length > 200
  ) {
    result.companyRejected = true;
    return;
  }
  result.updates.company = company;
}

/** Names after a cue; for full names, a company may follow ("I'm John Smith from Acme"). */
function readNames(
  reading: Reading,
  result: Extraction,
  asked: ProfileField | null,
  language: Language,
): void {
  for (const [cues, target] of [
    [FULL_NAME_LABELS, 'full'],
    [LAST_NAME_CUES, 'last'],
    [FIRST_NAME_CUES, 'first'],
    [NAME_CUES, 'full'],
  ] as const) {
    for (const cue of cues) {
      const clause = takeClause(reading, cue);
      if (clause === null) continue;
      if (looksLikeNotAName(clause.split(/\s+/)[0] ?? '')) {
        result.nameRejected = true;
        return;
      }
      const { words, rest } = italianCompanySplit(leadingNameWords(clause, NAME_STOP), language);
      setName(result, words, target, language);
      if (target === 'full') readCompanyAfterName(rest, result, language);
      break;
    }
  }
  if (result.updates.firstName || result.updates.lastName) return;
  // "I'm ..." is a name only where a name is expected, not as the answer to "which company?".
  if (asked === 'company' || asked === 'email') return;
  for (const cue of WEAK_NAME_CUES) {
    const clause = takeClause(reading, cue);
    if (!clause) continue;
    const first = clause.split(/\s+/)[0] ?? '';
    if (NOT_A_NAME.has(first.toLowerCase())) continue;
    const { words, rest } = italianCompanySplit(leadingNameWords(clause, NAME_STOP), language);
    const companyFollows = COMPANY_AFTER_NAME[language].test(rest);
    // "hi i'm john" is a name; "i'm waiting for your reply" is not: lower case needs a name question, or
    // the name to end the clause or lead to the company.
    if (!(/^\p{Lu}/u.test(first) || asked !== null || rest === '' || companyFollows)) continue;
    setName(result, words, asked === 'last_name' ? 'last' : 'full', language);
    readCompanyAfterName(rest, result, language);
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
  if (language !== 'it') return name;
  const cut = name.words.findIndex((word, index) => index >= 2 && /^(?:di|da|della|del)$/u.test(word));
  if (cut === -1) return name;
  return { words: name.words.slice(0, cut), rest: [...name.words.slice(cut), name.rest].join(' ').trim() };
}

function readCompanyAfterName(rest: string, result: Extraction, language: Language): void {
  const connector = COMPANY_AFTER_NAME[language].exec(rest);
  if (connector) readCompany(rest.slice(connector[0].length), result);
}

/** A message that is just the answer to the question asked ("Acme Ltd", "john smith", "da Silva"). */
function readBareAnswer(text: string, result: Extraction, asked: ProfileField, language: Language): void {
  const answer = text
    .trim()
    .replace(/^(?:it's|it’s|it is|è|é|e|sono|sou|is)\s+/iu, '')
    .replace(/[.!]+$/u, '')
    .trim();
  if (answer === '' || answer.endsWith('?')) return;
  if (asked === 'company') {
    readCompany(answer, result);
    return;
  }
  const words = answer.split(/\s+/);
  // Every word name-like, and none a common word ("I'm at the office"), particles excepted ("da Silva").
  const nameLike =
    words.length <= MAX_NAME_WORDS &&
    words.every((word) => {
      const clean = word.replace(/,$/u, '');
      const lower = clean.toLowerCase();
      return isNameWord(clean) && (isParticle(clean) || !(NOT_A_NAME.has(lower) || NAME_STOP.has(lower)));
    });
  if (!nameLike) {
    result.nameRejected = true;
    return;
  }
  setName(
    result,
    words.map((word) => word.replace(/,$/u, '')),
    asked === 'last_name' ? 'last' : 'full',
    language,
  );
}

/**
 * Every profile field the message gives, in any of the three languages. Fields introduced by a cue
 * ("my email is", "mi chiamo", "trabalho na") are read wherever they appear; a message without any is
 * taken as the answer to the question asked (`asked`).
 */
export function extractProfile(text: string, asked: ProfileField | null, language: Language): Extraction {
  const result: Extraction = { updates: {} };
  const cleaned = text.normalize('NFC').replace(NEGATED, ' ');
  readEmail(cleaned, result, asked);
  const reading: Reading = { text: cleaned.replace(EMAIL_CANDIDATE, ' ') };
  for (const cue of COMPANY_CUES) {
    const clause = takeClause(reading, cue);
    if (clause === null) continue;
    readCompany(clause, result);
    break;
  }
  readNames(reading, result, asked, language);
  const foundSomething =
    Object.keys(result.updates).length > 0 ||
    result.nameRejected ||
    result.companyRejected ||
    result.emailProblem;
  const mentionsEmail = text.includes('@') || EMAIL_CUE.test(text);
  if (!foundSomething && asked !== null && asked !== 'email' && !mentionsEmail)
    readBareAnswer(cleaned, result, asked, language);
  if (
    asked === 'email' &&
    result.emailProblem === 'emailReasonNoAt' &&
    Object.keys(result.updates).length > 0
  ) {
    // The customer answered something else ("my company is Acme"): not a failed e-mail address.
    delete result.emailProblem;
  }
  return result;
}
