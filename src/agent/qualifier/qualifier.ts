import { z } from 'zod';
import { PROFILE_KEYS } from '../../contacts/profile.js';
import type { Language } from '../../conversations/conversations.table.js';
import type { Agent, AgentInput, AgentTurn, Profile } from '../agent.js';
import { asksForHuman } from '../handoff.js';
import { linkHostsOf, neutraliseLinks, unsupportedClaims } from '../llm/guardrails.js';
import type { ProfileField } from '../qualifier-settings.table.js';
import { confirmationAnswer } from './confirmation.js';
import { type Extraction, extractProfile } from './extract.js';
import { inquiryOf, isMetaQuestion } from './intents.js';
import { conversationLanguage, portugueseVariant } from './language.js';
import { type PromptId, promptText, renderPrompt } from './prompts.js';

export const HANDOFF_REASON = 'customer asked for a person';

const FIELD_ORDER: readonly ProfileField[] = ['first_name', 'last_name', 'company', 'email'];
const ASK: Readonly<Record<ProfileField, PromptId>> = {
  first_name: 'askFirstName',
  last_name: 'askLastName',
  company: 'askCompany',
  email: 'askEmail',
};
const LABEL: Readonly<Record<ProfileField, PromptId>> = {
  first_name: 'labelFirstName',
  last_name: 'labelLastName',
  company: 'labelCompany',
  email: 'labelEmail',
};

const ZPending = z.object({
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  company: z.string().optional(),
  email: z.string().optional(),
});
/**
 * The qualifier's memory between turns. Values are never held here: each one is stored in the turn it
 * is understood. `pending` is only read, to store what an older version held back for a confirmation.
 * Anything unreadable (another agent's state, an older shape) starts afresh.
 */
const ZState = z.object({
  step: z.enum(['collecting', 'confirming', 'done']).catch('collecting'),
  asked: z.enum(FIELD_ORDER).nullable().catch(null),
  /** The field the customer gave last: where a correction naming no field goes. */
  lastGiven: z.enum(FIELD_ORDER).nullable().catch(null),
  /** Fields the customer would rather not give: not asked again. */
  declined: z.array(z.enum(FIELD_ORDER)).catch([]),
  pending: ZPending.catch({}),
  greeted: z.boolean().catch(false),
  acknowledged: z.boolean().catch(false),
  variant: z.enum(['pt-PT']).nullable().catch(null),
});
type State = z.infer<typeof ZState>;

function parseState(raw: Record<string, unknown>): State {
  return ZState.parse({
    step: 'collecting',
    asked: null,
    lastGiven: null,
    declined: [],
    pending: {},
    greeted: false,
    acknowledged: false,
    variant: null,
    ...raw,
  });
}

/** Message types whose text the customer wrote: text, button and list replies, media captions. */
const OWN_WORDS: ReadonlySet<string> = new Set([
  'text',
  'interactive',
  'button',
  'image',
  'video',
  'document',
]);
const SILENT: ReadonlySet<string> = new Set(['reaction', 'system']);

type Say = (id: PromptId, values?: Record<string, string>) => string;

/** Why this answer was not taken, in the customer's words; null when nothing was refused. */
function problemReply(extraction: Extraction, say: Say): { field: ProfileField; text: string } | null {
  if (extraction.emailProblem) {
    return { field: 'email', text: say('emailInvalid', { reason: say(extraction.emailProblem) }) };
  }
  if (extraction.nameProblem) {
    const { field, reason } = extraction.nameProblem;
    return { field, text: say('nameInvalid', { reason: say(reason) }) };
  }
  if (extraction.companyProblem) {
    return { field: 'company', text: say('companyInvalid', { reason: say(extraction.companyProblem) }) };
  }
  return null;
}

/**
 * The qualifier's texts pass the LLM agent's guardrails too: a tenant's override that states a price,
 * discount, delivery time or promise its knowledge text does not back is replaced by the built-in text,
 * and links go only to hosts the tenant wrote.
 */
function guardedSay(input: AgentInput, language: Language, variant: 'pt-PT' | null): Say {
  const knowledge = input.llm?.knowledge ?? '';
  const allowedHosts = linkHostsOf(
    `${knowledge}\n${Object.values(input.settings.prompts)
      .flatMap((texts) => Object.values(texts ?? {}))
      .join('\n')}`,
  );
  return (id, values = {}) => {
    const facts = { text: `${knowledge}\n${Object.values(values).join('\n')}`, amounts: [] };
    const text = renderPrompt(promptText(input.settings.prompts, language, id, variant), values);
    if (unsupportedClaims(text, facts).length === 0) return neutraliseLinks(text, allowedHosts);
    return renderPrompt(promptText({}, language, id, variant), values);
  };
}

class Qualifier implements Agent {
  answersAtOnce(): boolean {
    return true;
  }

  async respond(input: AgentInput): Promise<AgentTurn> {
    // A location's name or a shared contact card is not the customer's answer; only their own words are.
    const ownWords = OWN_WORDS.has(input.message.type);
    const text = (ownWords && input.message.text?.trim()) || null;
    const language: Language = conversationLanguage(input.language, text) ?? input.settings.defaultLanguage;
    const parsed = parseState(input.state);
    const variant = language === 'pt' ? portugueseVariant(parsed.variant, text) : parsed.variant;
    const say = guardedSay(input, language, variant);
    const { requiredFields } = input.settings;

    // What an older version held back for the customer's "yes" is stored now.
    const legacy = Object.fromEntries(
      Object.entries(parsed.pending).filter(([, value]) => typeof value === 'string' && value !== ''),
    ) as Partial<Profile>;
    const state: State = { ...parsed, pending: {}, variant };
    const known: Profile = { ...input.profile, ...legacy };
    let companyNone = input.companyNone === true;

    const turn = (
      parts: string[],
      next: State,
      profileUpdates: Partial<Profile>,
      marks: AgentTurn['profileMarks'] = {},
    ): AgentTurn => ({
      // The parts of one answer go out as one message: one notification, one send, nothing to reorder.
      replies: parts.length > 0 ? [parts.join('\n\n')] : [],
      profileUpdates: { ...legacy, ...profileUpdates },
      ...(marks && Object.keys(marks).length > 0 ? { profileMarks: marks } : {}),
      language,
      state: next,
    });

    // A reaction, or a system notice such as a changed number, is not a message to answer.
    if (SILENT.has(input.message.type)) return turn([], state, {});

    const missingOf = (profile: Profile, none: boolean) =>
      requiredFields.filter(
        (field) =>
          profile[PROFILE_KEYS[field]] === null &&
          !(field === 'company' && none) &&
          !state.declined.includes(field),
      );
    const wasComplete = missingOf(known, companyNone).length === 0;
    const collecting = state.step === 'collecting' && !wasComplete;

    const stillMissing = missingOf(known, companyNone);
    const asked = state.asked !== null && stillMissing.includes(state.asked) ? state.asked : stillMissing[0];
    const extraction: Extraction = text
      ? extractProfile(text, {
          asked: collecting ? (asked ?? null) : null,
          language,
          known,
          lastGiven: state.lastGiven,
        })
      : { updates: {} };
    const learnt = Object.fromEntries(
      Object.entries(extraction.updates).filter(
        ([key, value]) => typeof value === 'string' && value !== '' && known[key as keyof Profile] !== value,
      ),
    ) as Partial<Record<keyof Profile, string>>;
    const marks: NonNullable<AgentTurn['profileMarks']> = {};
    if (learnt.company) companyNone = false;
    else if (extraction.companyNone && known.company === null && !companyNone) {
      companyNone = true;
      marks.companyNone = true;
    }
    const corrected = Object.keys(learnt).some((key) => known[key as keyof Profile] !== null);
    const now: Profile = { ...known, ...learnt };
    const lastGiven =
      FIELD_ORDER.filter((field) => learnt[PROFILE_KEYS[field]] !== undefined).at(-1) ?? state.lastGiven;

    if (text && asksForHuman(text)) {
      // What the message also gave is kept: the person taking over sees it in the profile.
      return {
        ...turn([say('handoff')], { ...state, lastGiven }, learnt, marks),
        handoff: { reason: HANDOFF_REASON },
      };
    }

    const parts: string[] = [];
    const greet = !state.greeted && !wasComplete;
    if (greet) parts.push(say('greeting'));
    let next: State = { ...state, greeted: state.greeted || greet, lastGiven };
    if (!text) parts.push(say('nonText'));
    const inquiry = text ? inquiryOf(text) : null;
    if (inquiry === 'price') parts.push(say('priceAnswer'));
    else if (inquiry === 'commitment') parts.push(say('commitmentAnswer'));
    else if (inquiry === 'question' && !isMetaQuestion(text ?? '') && Object.keys(learnt).length === 0) {
      parts.push(say('questionAnswer'));
    }
    if (corrected) parts.push(say('updated'));

    const missing = missingOf(now, companyNone);
    const declinedField = extraction.declined ? next.asked : null;
    if (declinedField && missing.includes(declinedField)) {
      next = { ...next, declined: [...next.declined, declinedField] };
      parts.push(say('declined'));
      missing.splice(missing.indexOf(declinedField), 1);
    }
    const problem = problemReply(extraction, say);
    // A refused answer keeps the question on its field; the reply says what was wrong with it.
    const refused = problem !== null && missing.includes(problem.field) ? problem : null;
    if (refused) parts.push(refused.text);

    if (missing.length > 0) {
      const ask = refused?.field ?? missing[0] ?? 'first_name';
      // The e-mail's problem text already asks to write it again.
      if (!(refused && refused.field === 'email')) parts.push(say(ASK[ask]));
      return turn(parts, { ...next, step: 'collecting', asked: ask }, learnt, marks);
    }

    // Nothing missing: a summary to confirm where the workspace wants one, else the closing words.
    const wantsConfirmation = input.settings.confirmProfile === true && input.profileConfirmed !== true;
    if (next.step === 'confirming' && text && Object.keys(learnt).length === 0 && !marks.companyNone) {
      const answer = confirmationAnswer(text);
      if (answer === 'yes') {
        parts.push(say('completed', { firstName: now.firstName ?? '' }));
        return turn(parts, { ...next, step: 'done', asked: null }, learnt, { ...marks, confirmed: true });
      }
      if (inquiry === null) parts.push(say(answer === 'no' ? 'askCorrection' : 'confirmRetry'));
      return turn(parts, next, learnt, marks);
    }
    const changed = Object.keys(learnt).length > 0 || marks.companyNone === true;
    if (wantsConfirmation && (changed || next.step !== 'done')) {
      const summary = FIELD_ORDER.filter((field) => now[PROFILE_KEYS[field]] !== null)
        .map((field) => `${say(LABEL[field])}: ${now[PROFILE_KEYS[field]]}`)
        .join('\n');
      parts.push(say('confirm', { summary }));
      return turn(parts, { ...next, step: 'confirming', asked: null }, learnt, marks);
    }
    if (!wasComplete) {
      parts.push(say('completed', { firstName: now.firstName ?? '' }));
      return turn(parts, { ...next, step: 'done', asked: null, acknowledged: false }, learnt, marks);
    }
    // Already complete: corrections and questions are answered; otherwise one acknowledgement, then silence.
    if (parts.length === 0 && !next.acknowledged) {
      parts.push(say('afterCompletion'));
      next = { ...next, acknowledged: true };
    }
    return turn(parts, { ...next, step: 'done', asked: null }, learnt, marks);
  }
}

/**
 * What a customer's message says about them while no bot answers (a person owns the conversation, or it
 * is paused): values introduced by a cue ("my email is ...", "mi chiamo ...") and any e-mail address, read
 * without a question asked, so nothing is guessed from a bare answer meant for the operator.
 */
export function profileFromMessage(
  text: string,
  profile: Profile,
  language: Language,
): { updates: Partial<Profile>; marks: AgentTurn['profileMarks'] } {
  const extraction = extractProfile(text, { asked: null, language, known: profile, outright: true });
  const updates = Object.fromEntries(
    Object.entries(extraction.updates).filter(
      ([key, value]) => typeof value === 'string' && value !== '' && profile[key as keyof Profile] !== value,
    ),
  ) as Partial<Profile>;
  const companyNone = extraction.companyNone === true && profile.company === null && !updates.company;
  return { updates, marks: companyNone ? { companyNone: true } : {} };
}

/** The built-in, scripted agent: no AI key needed. */
export function createQualifier(): Agent {
  return new Qualifier();
}
