import type { AgentInput, AgentTurn, Profile } from '../../src/agent/agent.js';
import { createQualifier } from '../../src/agent/qualifier/qualifier.js';
import type { ProfileField } from '../../src/agent/qualifier-settings.table.js';
import { isProfileComplete } from '../../src/contacts/profile.js';
import type { Language } from '../../src/conversations/conversations.table.js';

export const ALL_FIELDS: ProfileField[] = ['first_name', 'last_name', 'company', 'email'];
export const EMPTY: Profile = { firstName: null, lastName: null, company: null, email: null };

export type Message = string | { type: string; text: string | null };

/**
 * Plays the pipeline's part between turns: keeps the language and state the agent returns, applies its
 * profile updates and marks (as applyProfileUpdates does) and reports what the profile was after each turn.
 */
export async function converse(
  messages: Message[],
  options: {
    defaultLanguage?: Language;
    requiredFields?: ProfileField[];
    prompts?: AgentInput['settings']['prompts'];
    profile?: Profile;
    confirmProfile?: boolean;
    knowledge?: string;
  } = {},
) {
  const agent = createQualifier();
  const requiredFields = options.requiredFields ?? ALL_FIELDS;
  let profile = options.profile ?? EMPTY;
  let companyNone = false;
  let confirmed = false;
  let language: Language | null = null;
  let state: Record<string, unknown> = {};
  const turns: AgentTurn[] = [];
  const profiles: Profile[] = [];
  for (const message of messages) {
    const turn = await agent.respond({
      tenantId: '00000000-0000-4000-8000-000000000001',
      conversationId: '00000000-0000-4000-8000-000000000002',
      language,
      state,
      profile,
      profileComplete: isProfileComplete(profile, requiredFields, companyNone),
      companyNone,
      profileConfirmed: confirmed,
      message: typeof message === 'string' ? { type: 'text', text: message } : message,
      history: [],
      llm: options.knowledge
        ? ({ knowledge: options.knowledge, enabled: false, providers: [] } as unknown as AgentInput['llm'])
        : null,
      settings: {
        defaultLanguage: options.defaultLanguage ?? 'en',
        requiredFields,
        prompts: options.prompts ?? {},
        confirmProfile: options.confirmProfile ?? false,
      },
    });
    for (const value of Object.values(turn.profileUpdates)) {
      if (!value) throw new Error('an agent must never send an empty value');
    }
    profile = { ...profile, ...turn.profileUpdates };
    if (turn.profileUpdates.company) companyNone = false;
    if (turn.profileMarks?.companyNone) companyNone = true;
    if (turn.profileMarks?.confirmed) confirmed = true;
    language = turn.language;
    state = JSON.parse(JSON.stringify(turn.state));
    turns.push(turn);
    profiles.push(profile);
  }
  return {
    turns,
    profile,
    profiles,
    companyNone,
    confirmed,
    replies: turns.map((turn) => turn.replies.join(' | ')),
  };
}
