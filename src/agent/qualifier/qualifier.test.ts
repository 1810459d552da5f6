import { describe, expect, it } from 'vitest';
import { isProfileComplete } from '../../contacts/profile.js';
import type { Language } from '../../conversations/conversations.table.js';
import type { AgentInput, AgentTurn, Profile } from '../agent.js';
import type { ProfileField } from '../qualifier-settings.table.js';
import { createQualifier, HANDOFF_REASON } from './qualifier.js';

const ALL_FIELDS: ProfileField[] = ['first_name', 'last_name', 'company', 'email'];
const EMPTY: Profile = { firstName: null, lastName: null, company: null, email: null };

type Message = string | { type: string; text: string | null };

/**
 * Plays the pipeline's part between turns: keeps the language and state the agent returns, applies its
 * profile updates and marks the profile complete once every required field is known (as
 * applyProfileUpdates does).
 */
async function converse(
  messages: Message[],
  options: {
    defaultLanguage?: Language;
    requiredFields?: ProfileField[];
    prompts?: AgentInput['settings']['prompts'];
    profile?: Profile;
  } = {},
) {
  const agent = createQualifier();
  const requiredFields = options.requiredFields ?? ALL_FIELDS;
  let profile = options.profile ?? EMPTY;
  let language: Language | null = null;
  let state: Record<string, unknown> = {};
  const turns: AgentTurn[] = [];
  for (const message of messages) {
    const turn = await agent.respond({
      tenantId: '00000000-0000-4000-8000-000000000001',
      conversationId: '00000000-0000-4000-8000-000000000002',
      language,
      state,
      profile,
      profileComplete: isProfileComplete(profile, requiredFields),
      message: typeof message === 'string' ? { type: 'text', text: message } : message,
      history: [],
      llm: null,
      settings: {
        defaultLanguage: options.defaultLanguage ?? 'en',
        requiredFields,
        prompts: options.prompts ?? {},
      },
    });
    for (const value of Object.values(turn.profileUpdates)) expect(value).toBeTruthy();
    profile = { ...profile, ...turn.profileUpdates };
    language = turn.language;
    state = JSON.parse(JSON.stringify(turn.state));
    turns.push(turn);
  }
  return { turns, profile, replies: turns.map((turn) => turn.replies.join(' | ')) };
}

describe('the qualifier in English', () => {
  it('collects, confirms, takes a correction and completes, then only acknowledges once', async () => {
    const { turns, replies, profile } = await converse([
      "Hi, I'm John Smith from Acme",
      'john@ACME.com',
      'no',
      'my company is Acme Ltd, not Acme',
      'yes',
      'thanks!',
      'ok',
    ]);
    expect(turns[0]?.language).toBe('en');
    expect(replies[0]).toMatch(/^Hi! I'm the virtual assistant.*\n\nWhat's your e-mail address\?$/s);
    expect(turns[0]?.profileUpdates).toEqual({ firstName: 'John', lastName: 'Smith', company: 'Acme' });
    expect(replies[1]).toBe(
      'Thanks! Let me check:\nFirst name: John\nLast name: Smith\nCompany: Acme\nE-mail: john@acme.com\nIs everything correct? (yes/no)',
    );
    // The value that completes the profile waits for the customer's yes.
    expect(turns[1]?.profileUpdates).toEqual({});
    expect(replies[2]).toMatch(/what should I change/);
    expect(replies[3]).toMatch(/^Got it, I've updated that\.\n\nThanks! Let me check:.*Company: Acme Ltd\n/s);
    expect(turns[3]?.profileUpdates).toEqual({});
    expect(replies[4]).toBe('Thank you! A person from our team will follow up shortly.');
    expect(turns[4]?.profileUpdates).toEqual({ email: 'john@acme.com', company: 'Acme Ltd' });
    expect(profile).toEqual({
      firstName: 'John',
      lastName: 'Smith',
      company: 'Acme Ltd',
      email: 'john@acme.com',
    });
    expect(replies[5]).toMatch(/A person from our team will reply here soon/);
    expect(turns[6]?.replies).toEqual([]);
  });

  it('asks one field at a time and re-asks an invalid e-mail address with the reason', async () => {
    const { replies, profile } = await converse([
      'hello',
      'john smith',
      'Acme Ltd',
      'john at acme',
      'john@acme',
      'my email is John.Smith@Acme.COM.',
      'yep',
    ]);
    expect(replies.slice(0, 3).map((reply) => reply.split('\n\n').at(-1))).toEqual([
      "What's your first name?",
      'Which company are you with?',
      "What's your e-mail address?",
    ]);
    expect(replies[3]).toBe("That e-mail address doesn't look right: it has no @. Could you write it again?");
    expect(replies[4]).toBe(
      "That e-mail address doesn't look right: the part after the @ is not a valid domain. Could you write it again?",
    );
    // The project's one canonical form (accounts/email-address.ts) folds the whole address to lower case.
    expect(replies[5]).toMatch(/E-mail: john\.smith@acme\.com/);
    expect(profile).toEqual({
      firstName: 'John',
      lastName: 'Smith',
      company: 'Acme Ltd',
      email: 'john.smith@acme.com',
    });
  });

  it('refuses digits, e-mail addresses and links as names', async () => {
    const { replies, profile } = await converse(['hello', 'john123', 'https://example.com/me', 'Ann']);
    expect(replies[1]).toBe(
      "That doesn't look like a name (no numbers, e-mails or links, please).\n\nWhat's your first name?",
    );
    expect(replies[2]).toBe(replies[1]);
    expect(replies[3]).toBe('And your last name?');
    expect(profile.firstName).toBe('Ann');
  });

  it('takes several fields from one message and keeps a known field when a correction names another', async () => {
    const { turns, profile } = await converse([
      'My name is JOHN O’BRIEN, I work at Initech and my email is john@initech.com',
      'actually my email is jobrien@initech.com',
      'correct',
    ]);
    expect(turns[0]?.replies[0]).toMatch(
      /First name: John\nLast name: O’Brien\nCompany: Initech\nE-mail: john@initech\.com/,
    );
    expect(turns[1]?.replies[0]).toMatch(/E-mail: jobrien@initech\.com/);
    expect(profile).toEqual({
      firstName: 'John',
      lastName: 'O’Brien',
      company: 'Initech',
      email: 'jobrien@initech.com',
    });
  });
});

describe('the qualifier in Italian', () => {
  it('detects Italian, collects, accepts "anzi ..." and completes on "sì"', async () => {
    const { turns, replies, profile } = await converse([
      'Ciao, vorrei informazioni',
      'Mi chiamo Maria Rossi, lavoro in Ferrari',
      'maria.rossi@',
      'maria.rossi@ferrari.it',
      'anzi la mia email è maria@ferrari.com',
      'sì',
    ]);
    expect(turns.every((turn) => turn.language === 'it')).toBe(true);
    expect(replies[0]).toMatch(/^Ciao! Sono l'assistente virtuale.*Come ti chiami \(nome\)\?$/s);
    expect(replies[1]).toBe('Qual è il tuo indirizzo e-mail?');
    expect(replies[2]).toMatch(/la parte dopo la @ non è un dominio valido/);
    expect(replies[3]).toMatch(
      /Nome: Maria\nCognome: Rossi\nAzienda: Ferrari\nE-mail: maria\.rossi@ferrari\.it/,
    );
    expect(replies[4]).toMatch(/^Ok, ho aggiornato\..*E-mail: maria@ferrari\.com/s);
    expect(replies[5]).toBe('Grazie! Una persona del nostro team ti ricontatterà a breve.');
    expect(profile).toEqual({
      firstName: 'Maria',
      lastName: 'Rossi',
      company: 'Ferrari',
      email: 'maria@ferrari.com',
    });
  });

  it('capitalises Italian surname particles', async () => {
    const { profile } = await converse(['ciao, mi chiamo maria de luca']);
    expect(profile).toMatchObject({ firstName: 'Maria', lastName: 'De Luca' });
  });
});

describe('the qualifier in Portuguese', () => {
  it('detects Portuguese, keeps "da Silva", accepts "na verdade ..." and completes on "sim"', async () => {
    const { turns, replies, profile } = await converse([
      'Olá, bom dia',
      'Meu nome é joão da silva',
      'Trabalho na Petrobras',
      'joao@petrobras.com.br',
      'na verdade meu email é joao.silva@petrobras.com.br',
      'sim',
    ]);
    expect(turns.every((turn) => turn.language === 'pt')).toBe(true);
    expect(replies[0]).toMatch(/^Olá! Sou o assistente virtual.*Qual é o seu nome\?$/s);
    expect(replies[1]).toBe('Em qual empresa você trabalha?');
    expect(replies[2]).toBe('Qual é o seu e-mail?');
    expect(replies[3]).toMatch(/Nome: João\nSobrenome: da Silva\nEmpresa: Petrobras/);
    expect(replies[4]).toMatch(/^Certo, atualizei\./);
    expect(replies[5]).toMatch(/^Obrigado! Uma pessoa da nossa equipe/);
    expect(profile).toEqual({
      firstName: 'João',
      lastName: 'da Silva',
      company: 'Petrobras',
      email: 'joao.silva@petrobras.com.br',
    });
  });

  it('answers "não" with a request for the correction', async () => {
    const { replies } = await converse([
      'Oi, meu nome é Ana Costa, minha empresa é Natura, ana@natura.net',
      'não',
    ]);
    expect(replies[1]).toBe('Sem problema: o que devo corrigir? Por exemplo "minha empresa é ...".');
  });
});

describe('the qualifier', () => {
  it('keeps the language of the first message and falls back to the tenant default', async () => {
    const fixed = await converse(['Buongiorno!', 'Hello, my name is Paul'], { defaultLanguage: 'pt' });
    expect(fixed.turns.map((turn) => turn.language)).toEqual(['it', 'it']);
    const unknown = await converse(['👋'], { defaultLanguage: 'pt' });
    expect(unknown.turns[0]?.language).toBe('pt');
    expect(unknown.replies[0]).toMatch(/^Olá!/);
  });

  it('asks only for the required fields that are still unknown', async () => {
    const { replies, turns } = await converse(['hi', 'paul@example.org', 'yes'], {
      requiredFields: ['email'],
      profile: { ...EMPTY, firstName: 'Paul' },
    });
    expect(replies[0]?.split('\n\n').at(-1)).toBe("What's your e-mail address?");
    expect(replies[1]).toBe(
      'Thanks! Let me check:\nFirst name: Paul\nE-mail: paul@example.org\nIs everything correct? (yes/no)',
    );
    expect(turns[2]?.profileUpdates).toEqual({ email: 'paul@example.org' });
  });

  it("uses the tenant's prompts, filling only their own placeholders", async () => {
    const { replies } = await converse(['hi', 'Ann Lee', 'Initech', 'ann@initech.com', 'yes'], {
      prompts: {
        en: {
          greeting: 'Welcome to Initrode {{firstName}}!',
          confirm: 'Right? {{summary}}',
          completed: 'Cheers {{firstName}}, {{email}}.',
        },
        it: { askFirstName: 'Nome?' },
      },
    });
    expect(replies[0]).toBe("Welcome to Initrode !\n\nWhat's your first name?");
    expect(replies[3]).toBe(
      'Right? First name: Ann\nLast name: Lee\nCompany: Initech\nE-mail: ann@initech.com',
    );
    expect(replies[4]).toBe('Cheers Ann, .');
  });

  it('re-asks in text after a media message or a location and stays silent on a reaction', async () => {
    const { replies, turns } = await converse([
      { type: 'image', text: null },
      { type: 'reaction', text: null },
      { type: 'image', text: 'I am Carla Gomes' },
      { type: 'location', text: 'Central Park' },
      { type: 'contacts', text: 'Mario Bros' },
    ]);
    expect(turns[3]?.profileUpdates).toEqual({});
    expect(replies[3]).toBe(
      'I can only read text messages for now. Could you write your answer?\n\nWhich company are you with?',
    );
    expect(turns[4]?.profileUpdates).toEqual({});
    expect(replies[0]).toMatch(
      /I can only read text messages for now\. Could you write your answer\?\n\nWhat's your first name\?$/,
    );
    expect(turns[1]?.replies).toEqual([]);
    expect(turns[2]?.profileUpdates).toEqual({ firstName: 'Carla', lastName: 'Gomes' });
  });

  it('hands over when the customer asks for a person, in any language', async () => {
    for (const [text, reply] of [
      ['I want to talk to a human', /^Of course: a person from our team/],
      ['Vorrei parlare con un operatore', /^Certo: una persona del nostro team/],
      ['Quero falar com um atendente', /^Claro: uma pessoa da nossa equipe/],
    ] as const) {
      const { turns } = await converse([text]);
      expect(turns[0]?.handoff).toEqual({ reason: HANDOFF_REASON });
      expect(turns[0]?.replies).toHaveLength(1);
      expect(turns[0]?.replies[0]).toMatch(reply);
    }
    const { turns } = await converse(['I am a human resources manager at Acme']);
    expect(turns[0]?.handoff).toBeUndefined();
  });

  it('does not take "I\'m interested" for a name and starts afresh from an unreadable state', async () => {
    const { turns } = await converse(["Hi, I'm interested in your offer"]);
    expect(turns[0]?.profileUpdates).toEqual({});
    const agent = createQualifier();
    const turn = await agent.respond({
      tenantId: 't',
      conversationId: 'c',
      language: 'en',
      state: { step: 42, pending: 'x' },
      profile: EMPTY,
      profileComplete: false,
      message: { type: 'text', text: 'hello' },
      history: [],
      llm: null,
      settings: { defaultLanguage: 'en', requiredFields: ALL_FIELDS, prompts: {} },
    });
    expect(turn.state).toMatchObject({ step: 'collecting', asked: 'first_name', pending: {} });
  });

  it('resumes collecting when the workspace requires a field after the profile was completed', async () => {
    const turn = await createQualifier().respond({
      tenantId: 't',
      conversationId: 'c',
      language: 'en',
      state: { step: 'done', greeted: true, acknowledged: true },
      profile: { ...EMPTY, email: 'a@b.co' },
      profileComplete: false,
      message: { type: 'text', text: 'hello again' },
      history: [],
      llm: null,
      settings: { defaultLanguage: 'en', requiredFields: ['email', 'company'], prompts: {} },
    });
    expect(turn.replies).toEqual(['Which company are you with?']);
    expect(turn.state).toMatchObject({ step: 'collecting', asked: 'company' });
  });

  it('only acknowledges a customer whose profile was already complete', async () => {
    const complete = { firstName: 'A', lastName: 'B', company: 'C', email: 'a@b.co' };
    const agent = createQualifier();
    const turn = await agent.respond({
      tenantId: 't',
      conversationId: 'c',
      language: null,
      state: {},
      profile: complete,
      profileComplete: true,
      message: { type: 'text', text: 'Ciao, sono di nuovo io' },
      history: [],
      llm: null,
      settings: { defaultLanguage: 'en', requiredFields: ALL_FIELDS, prompts: {} },
    });
    expect(turn.replies).toEqual([
      'Grazie del messaggio! Una persona del nostro team ti risponderà qui a breve.',
    ]);
    expect(turn.profileUpdates).toEqual({});
  });
});
