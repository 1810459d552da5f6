import { z } from 'zod';
import { PROFILE_KEYS } from '../../contacts/profile.js';
import type { Language } from '../../conversations/conversations.table.js';
import type { Agent, AgentInput, AgentTurn, Profile } from '../agent.js';
import { asksForHuman } from '../handoff.js';
import type { ProfileField } from '../qualifier-settings.table.js';
import { confirmationAnswer } from './confirmation.js';
import { type Extraction, extractProfile } from './extract.js';
import { detectLanguage } from './language.js';
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
 * The qualifier's memory between turns. `pending` holds values that would complete the profile: they wait
 * for the customer's "yes", so `profile_completed_at` (set when every required field is known) means
 * "confirmed". Anything unreadable (another agent's state, an older shape) starts afresh.
 */
const ZState = z.object({
  step: z.enum(['collecting', 'confirming', 'done']).catch('collecting'),
  asked: z.enum(FIELD_ORDER).nullable().catch(null),
  pending: ZPending.catch({}),
  greeted: z.boolean().catch(false),
  acknowledged: z.boolean().catch(false),
});
type State = z.infer<typeof ZState>;

function parseState(raw: Record<string, unknown>): State {
  return ZState.parse({
    step: 'collecting',
    asked: null,
    pending: {},
    greeted: false,
    acknowledged: false,
    ...raw,
  });
}

function definedEntries(values: Partial<Profile>): Partial<Record<keyof Profile, string>> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => typeof value === 'string' && value !== ''),
  );
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

interface Problem {
  field: ProfileField;
  text: string;
  /** The text itself asks for the value again ("Could you write it again?"). */
  asksAgain: boolean;
}

/** Explains why a value was not taken (the first problem only: one thing at a time). */
function problemReply(extraction: Extraction, say: Say): Problem | null {
  if (extraction.emailProblem) {
    const text = say('emailInvalid', { reason: say(extraction.emailProblem) });
    return { field: 'email', text, asksAgain: true };
  }
  if (extraction.nameRejected) return { field: 'first_name', text: say('nameInvalid'), asksAgain: false };
  if (extraction.companyRejected) return { field: 'company', text: say('companyInvalid'), asksAgain: false };
  return null;
}

/**
 * Asks for the next missing required field (or the one just refused) and writes what is known so far;
 * once nothing is missing, holds the values back and asks the customer to confirm them.
 */
function nextQuestion(
  requiredFields: readonly ProfileField[],
  state: State,
  known: Profile,
  parts: string[],
  say: Say,
  refused: Problem | null,
): { next: State; profileUpdates: Partial<Profile> } {
  const missing = requiredFields.filter((field) => known[PROFILE_KEYS[field]] === null);
  const reAsk = refused !== null && known[PROFILE_KEYS[refused.field]] === null;
  const ask = reAsk ? refused.field : missing[0];
  if (ask !== undefined) {
    if (!(reAsk && refused.asksAgain)) parts.push(say(ASK[ask]));
    return { next: { ...state, step: 'collecting', asked: ask, pending: {} }, profileUpdates: state.pending };
  }
  const summary = FIELD_ORDER.filter((field) => known[PROFILE_KEYS[field]] !== null)
    .map((field) => `${say(LABEL[field])}: ${known[PROFILE_KEYS[field]]}`)
    .join('\n');
  parts.push(say('confirm', { summary }));
  return { next: { ...state, step: 'confirming', asked: null }, profileUpdates: {} };
}

class Qualifier implements Agent {
  answersAtOnce(): boolean {
    return true;
  }

  async respond(input: AgentInput): Promise<AgentTurn> {
    // A location's name or a shared contact card is not the customer's answer; only their own words are.
    const ownWords = OWN_WORDS.has(input.message.type);
    const text = (ownWords && input.message.text?.trim()) || null;
    const language: Language =
      input.language ?? (text ? detectLanguage(text) : null) ?? input.settings.defaultLanguage;
    const say: Say = (id, values) => renderPrompt(promptText(input.settings.prompts, language, id), values);
    const parsed = parseState(input.state);
    // Done but not complete: the workspace has since required another field, so collecting resumes.
    const state: State =
      parsed.step === 'done' && !input.profileComplete
        ? { ...parsed, step: 'collecting', asked: null }
        : parsed;
    // The parts of one answer go out as one message: one notification, one send, nothing to reorder.
    const turn = (parts: string[], next: State, profileUpdates: Partial<Profile> = {}): AgentTurn => ({
      replies: parts.length > 0 ? [parts.join('\n\n')] : [],
      profileUpdates,
      language,
      state: next,
    });

    // A reaction, or a system notice such as a changed number, is not a message to answer.
    if (SILENT.has(input.message.type)) return turn([], state);
    if (text && asksForHuman(text)) {
      return { ...turn([say('handoff')], state), handoff: { reason: HANDOFF_REASON } };
    }
    if (input.profileComplete) {
      // One acknowledgement after the completion reply, then silence: a person takes it from here.
      if (state.acknowledged) return turn([], { ...state, step: 'done' });
      return turn([say('afterCompletion')], { ...state, step: 'done', acknowledged: true });
    }

    const parts: string[] = state.greeted ? [] : [say('greeting')];
    const greeted = { ...state, greeted: true };
    const known: Profile = { ...input.profile, ...state.pending };
    if (!text) {
      parts.push(say('nonText'));
      const { next, profileUpdates } = nextQuestion(
        input.settings.requiredFields,
        greeted,
        known,
        parts,
        say,
        null,
      );
      return turn(parts, next, profileUpdates);
    }

    const extraction = extractProfile(text, state.step === 'collecting' ? state.asked : null, language);
    const learnt = Object.fromEntries(
      Object.entries(definedEntries(extraction.updates)).filter(
        ([key, value]) => known[key as keyof Profile] !== value,
      ),
    ) as Partial<Record<keyof Profile, string>>;
    const corrected = Object.keys(learnt).some((key) => known[key as keyof Profile] !== null);
    const next: State = { ...greeted, pending: { ...state.pending, ...learnt } };
    const problem = problemReply(extraction, say);

    if (state.step === 'confirming' && Object.keys(learnt).length === 0) {
      if (problem) return turn([...parts, problem.text], next);
      const answer = confirmationAnswer(text);
      if (answer === 'yes') {
        parts.push(say('completed', { firstName: known.firstName ?? '' }));
        return turn(parts, { ...next, step: 'done', asked: null, pending: {} }, state.pending);
      }
      return turn([...parts, say(answer === 'no' ? 'askCorrection' : 'confirmRetry')], next);
    }
    if (problem) parts.push(problem.text);
    else if (corrected) parts.push(say('updated'));
    const asked = nextQuestion(
      input.settings.requiredFields,
      next,
      { ...known, ...learnt },
      parts,
      say,
      problem,
    );
    return turn(parts, asked.next, asked.profileUpdates);
  }
}
/** The built-in, scripted agent: no AI key needed. */
export function createQualifier(): Agent {
  return new Qualifier();
}
