import { describe, expect, it } from 'vitest';
import { ALL_FIELDS, converse, EMPTY } from '../../../test/support/qualifier-conversation.js';
import { createQualifier, HANDOFF_REASON } from './qualifier.js';

describe('the qualifier in English', () => {
  it('stores each value as it comes, completes without a summary, then only acknowledges once', async () => {
    const { turns, replies, profiles } = await converse([
      "Hi, I'm John Smith from Acme",
      'john@ACME.com',
      'thanks!',
      'ok',
    ]);
    expect(turns[0]?.language).toBe('en');
    expect(replies[0]).toMatch(/^Hi! I'm the virtual assistant.*\n\nWhat's your e-mail address\?$/s);
    expect(turns[0]?.profileUpdates).toEqual({ firstName: 'John', lastName: 'Smith', company: 'Acme' });
    // The project's one canonical form (accounts/email-address.ts) folds the whole address to lower case.
    expect(turns[1]?.profileUpdates).toEqual({ email: 'john@acme.com' });
    expect(replies[1]).toBe('Thank you! A person from our team will follow up shortly.');
    expect(profiles[1]).toEqual({
      firstName: 'John',
      lastName: 'Smith',
      company: 'Acme',
      email: 'john@acme.com',
    });
    expect(replies[2]).toMatch(/A person from our team will reply here soon/);
    expect(turns[3]?.replies).toEqual([]);
  });

  it('with the summary step on, a "no" leads to a correction and a "yes" marks the profile confirmed', async () => {
    const { turns, replies, confirmed, profile } = await converse(
      ["Hi, I'm John Smith from Acme", 'john@acme.com', 'no', 'my company is Acme Ltd, not Acme', 'yes'],
      { confirmProfile: true },
    );
    expect(turns[1]?.profileUpdates).toEqual({ email: 'john@acme.com' });
    expect(replies[1]).toBe(
      'Thanks! Let me check:\nFirst name: John\nLast name: Smith\nCompany: Acme\nE-mail: john@acme.com\nIs everything correct? (yes/no)',
    );
    expect(replies[2]).toMatch(/what should I change/);
    expect(turns[3]?.profileUpdates).toEqual({ company: 'Acme Ltd' });
    expect(replies[3]).toMatch(/^Got it, I've updated that\.\n\nThanks! Let me check:.*Company: Acme Ltd\n/s);
    expect(turns[4]?.profileMarks).toEqual({ confirmed: true });
    expect(replies[4]).toBe('Thank you! A person from our team will follow up shortly.');
    expect(confirmed).toBe(true);
    expect(profile.company).toBe('Acme Ltd');
  });

  it('asks one field at a time and re-asks an invalid e-mail address with the reason', async () => {
    const { replies, profile } = await converse([
      'hello',
      'john smith',
      'Acme Ltd',
      'john.acme.com',
      'john@acme',
      'my email is John.Smith@Acme.COM.',
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
    // Values as written: no change of case.
    expect(profile).toEqual({
      firstName: 'john',
      lastName: 'smith',
      company: 'Acme Ltd',
      email: 'john.smith@acme.com',
    });
  });

  it('refuses digits, links and code as names, saying why, and keeps asking the same field', async () => {
    const { replies, profile } = await converse(['hello', 'john123', 'https://example.com/me', 'Ann']);
    expect(replies[1]).toBe(
      "I couldn't take that as your name: a name has no digits.\n\nWhat's your first name?",
    );
    expect(replies[2]).toBe(
      "I couldn't take that as your name: it looks like a link or an e-mail address.\n\nWhat's your first name?",
    );
    expect(replies[3]).toBe('And your last name?');
    expect(profile.firstName).toBe('Ann');
  });

  it('takes several fields from one message and an e-mail given when another field is asked', async () => {
    const { turns, profile } = await converse([
      'My name is JOHN O’BRIEN, I work at Initech and my email is john@initech.com',
      'actually my email is jobrien@initech.com',
    ]);
    expect(turns[0]?.profileUpdates).toEqual({
      firstName: 'JOHN',
      lastName: 'O’BRIEN',
      company: 'Initech',
      email: 'john@initech.com',
    });
    expect(turns[1]?.replies[0]).toBe("Got it, I've updated that.");
    expect(profile.email).toBe('jobrien@initech.com');
    const early = await converse(['hi', 'Ann', 'ann@initech.com']);
    expect(early.profile).toMatchObject({ firstName: 'Ann', email: 'ann@initech.com' });
    expect(early.replies[2]).toBe('And your last name?');
  });
});

describe('the qualifier in Italian', () => {
  it('detects Italian, stores at once and accepts "anzi ..."', async () => {
    const { turns, replies, profile } = await converse([
      'Ciao, vorrei informazioni',
      'Mi chiamo Maria Rossi, lavoro in Ferrari',
      'maria.rossi@',
      'maria.rossi@ferrari.it',
      'anzi la mia email è maria@ferrari.com',
    ]);
    expect(turns.every((turn) => turn.language === 'it')).toBe(true);
    expect(replies[0]).toMatch(/^Ciao! Sono l'assistente virtuale.*Qual è il tuo nome\?$/s);
    expect(replies[1]).toBe('Qual è il tuo indirizzo e-mail?');
    expect(replies[2]).toMatch(/la parte dopo la @ non è un dominio valido/);
    expect(replies[3]).toBe('Grazie! Una persona del nostro team ti ricontatterà a breve.');
    expect(replies[4]).toBe('Ok, ho aggiornato il dato.');
    expect(profile).toEqual({
      firstName: 'Maria',
      lastName: 'Rossi',
      company: 'Ferrari',
      email: 'maria@ferrari.com',
    });
  });

  it('keeps surnames as written', async () => {
    const { profile } = await converse(['ciao, mi chiamo maria de luca']);
    expect(profile).toMatchObject({ firstName: 'maria', lastName: 'de luca' });
  });
});

describe('the qualifier in Portuguese', () => {
  it('detects Portuguese, keeps "da Silva" and accepts "na verdade ..."', async () => {
    const { turns, replies, profile } = await converse([
      'Olá, bom dia',
      'Meu nome é João da Silva',
      'Trabalho na Petrobras',
      'joao@petrobras.com.br',
      'na verdade meu email é joao.silva@petrobras.com.br',
    ]);
    expect(turns.every((turn) => turn.language === 'pt')).toBe(true);
    expect(replies[0]).toMatch(/^Olá! Sou o assistente virtual.*Qual é o seu nome\?$/s);
    expect(replies[1]).toBe('Em qual empresa você trabalha?');
    expect(replies[2]).toBe('Qual é o seu e-mail?');
    expect(replies[4]).toMatch(/^Certo, atualizei\./);
    expect(profile).toEqual({
      firstName: 'João',
      lastName: 'da Silva',
      company: 'Petrobras',
      email: 'joao.silva@petrobras.com.br',
    });
  });

  it('writes to a customer from Portugal the European way', async () => {
    const { replies } = await converse([
      'Olá, bom dia. Estou a ver as vossas máquinas',
      'Tiago',
      'Gonçalves',
    ]);
    expect(replies[0]).toMatch(/encaminhar o seu pedido para a pessoa certa/);
    expect(replies[1]).toBe('E o seu apelido?');
    expect(replies[2]).toBe('Em que empresa trabalha?');
  });
});

describe('the qualifier in Spanish', () => {
  it('detects Spanish, reads "me llamo" and "perdón, mi correo es ..."', async () => {
    const { turns, replies, profile } = await converse([
      'Hola, me llamo Javier Ruiz y trabajo en Inditex',
      'javier@inditex',
      'javier.ruiz@inditex.com',
      'perdón, mi correo es jruiz@inditex.com',
    ]);
    expect(turns.every((turn) => turn.language === 'es')).toBe(true);
    expect(replies[0]).toMatch(/^¡Hola! Soy el asistente virtual.*¿Cuál es tu correo electrónico\?$/s);
    expect(replies[1]).toMatch(/^Ese correo no parece correcto: lo que va después de la @/);
    expect(replies[3]).toBe('Vale, ya lo he actualizado.');
    expect(profile).toEqual({
      firstName: 'Javier',
      lastName: 'Ruiz',
      company: 'Inditex',
      email: 'jruiz@inditex.com',
    });
  });
});

describe('the qualifier', () => {
  it('switches language when the customer does, not on a bare answer, and falls back to the tenant default', async () => {
    const switched = await converse(
      ['Buongiorno!', 'Rossi', 'Hello, sorry, my name is Paul and I would like the price'],
      {
        defaultLanguage: 'pt',
      },
    );
    expect(switched.turns.map((turn) => turn.language)).toEqual(['it', 'it', 'en']);
    const unknown = await converse(['👋'], { defaultLanguage: 'pt' });
    expect(unknown.turns[0]?.language).toBe('pt');
    expect(unknown.replies[0]).toMatch(/^Olá!/);
  });

  it('asks only for the required fields that are still unknown', async () => {
    const { replies, turns } = await converse(['hi', 'paul@example.org'], {
      requiredFields: ['email'],
      profile: { ...EMPTY, firstName: 'Paul' },
    });
    expect(replies[0]?.split('\n\n').at(-1)).toBe("What's your e-mail address?");
    expect(turns[1]?.profileUpdates).toEqual({ email: 'paul@example.org' });
    expect(replies[1]).toBe('Thank you! A person from our team will follow up shortly.');
  });

  it('records "no company" and does not ask for it again', async () => {
    const { turns, replies, profile, companyNone } = await converse([
      'oi',
      'Pedro',
      'Alves',
      'sou MEI',
      'pedro@gmail.com',
    ]);
    expect(turns[3]?.profileMarks).toEqual({ companyNone: true });
    expect(replies[3]).toBe('Qual é o seu e-mail?');
    expect(replies[4]).toMatch(/^Obrigado!/);
    expect(companyNone).toBe(true);
    expect(profile.company).toBeNull();
  });

  it('does not ask again for a field the customer would rather not give', async () => {
    const { replies, profile } = await converse(['hi', 'Ann', 'Lee', 'Initech', "I'd rather not say"]);
    expect(replies[4]).toBe(
      'No problem, we can do without it.\n\nThank you! A person from our team will follow up shortly.',
    );
    expect(profile.email).toBeNull();
  });

  it("uses the tenant's prompts, filling only their own placeholders, unless they state a price", async () => {
    const { replies } = await converse(['hi', 'Ann Lee', 'Initech', 'ann@initech.com', 'yes'], {
      confirmProfile: true,
      prompts: {
        en: {
          greeting: 'Welcome to Initrode {{firstName}}!',
          confirm: 'Right? {{summary}}',
          completed: 'Cheers {{firstName}}, {{email}}. Your first month is 50% off!',
          askCompany: 'Company? (About us: https://initrode.example/about)',
        },
        it: { askFirstName: 'Nome?' },
      },
      knowledge: 'Initrode rents coffee machines. See https://initrode.example/about',
    });
    expect(replies[0]).toBe("Welcome to Initrode !\n\nWhat's your first name?");
    // The tenant's own links stay (customers' values never carry one: links are refused as names and companies).
    expect(replies[1]).toBe('Company? (About us: https://initrode.example/about)');
    expect(replies[3]).toBe(
      'Right? First name: Ann\nLast name: Lee\nCompany: Initech\nE-mail: ann@initech.com',
    );
    // The override promises a discount the business never wrote down: the built-in text goes out.
    expect(replies[4]).toBe('Thank you! A person from our team will follow up shortly.');
  });

  it('re-asks in text after a media message or a location and stays silent on a reaction', async () => {
    const { replies, turns } = await converse([
      { type: 'image', text: null },
      { type: 'reaction', text: null },
      { type: 'image', text: 'I am Carla Gomes' },
      { type: 'location', text: 'Central Park' },
      { type: 'contacts', text: 'Mario Bros' },
    ]);
    expect(replies[0]).toMatch(
      /I can only read text messages for now\. Could you write your answer\?\n\nWhat's your first name\?$/,
    );
    expect(turns[1]?.replies).toEqual([]);
    expect(turns[2]?.profileUpdates).toEqual({ firstName: 'Carla', lastName: 'Gomes' });
    expect(turns[3]?.profileUpdates).toEqual({});
    expect(replies[3]).toBe(
      'I can only read text messages for now. Could you write your answer?\n\nWhich company are you with?',
    );
    expect(turns[4]?.profileUpdates).toEqual({});
  });

  it('hands over when the customer asks for a person, in every language, keeping what the message gave', async () => {
    for (const [text, reply] of [
      ['I want to talk to a human', /^Of course: a person from our team/],
      ['Vorrei parlare con un operatore', /^Certo: una persona del nostro team/],
      ['Quero falar com um atendente', /^Claro: uma pessoa da nossa equipe/],
      ['Quiero hablar con una persona', /^Por supuesto: una persona de nuestro equipo/],
    ] as const) {
      const { turns } = await converse([text]);
      expect(turns[0]?.handoff).toEqual({ reason: HANDOFF_REASON });
      expect(turns[0]?.replies).toHaveLength(1);
      expect(turns[0]?.replies[0]).toMatch(reply);
    }
    const named = await converse(["I'm Ann Lee, can I speak to a real person?"]);
    expect(named.turns[0]?.handoff).toEqual({ reason: HANDOFF_REASON });
    expect(named.profile).toMatchObject({ firstName: 'Ann', lastName: 'Lee' });
    const { turns } = await converse(['I am a human resources manager at Acme']);
    expect(turns[0]?.handoff).toBeUndefined();
  });

  it('does not take "I\'m interested" for a name and starts afresh from an unreadable state', async () => {
    const { turns } = await converse(["Hi, I'm interested in your offer"]);
    expect(turns[0]?.profileUpdates).toEqual({});
    const turn = await createQualifier().respond({
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

  it('stores what an older version held back for a confirmation', async () => {
    const turn = await createQualifier().respond({
      tenantId: 't',
      conversationId: 'c',
      language: 'en',
      state: { step: 'confirming', greeted: true, pending: { email: 'ann@initech.com' } },
      profile: { ...EMPTY, firstName: 'Ann', lastName: 'Lee', company: 'Initech' },
      profileComplete: false,
      message: { type: 'text', text: 'hello?' },
      history: [],
      llm: null,
      settings: { defaultLanguage: 'en', requiredFields: ALL_FIELDS, prompts: {} },
    });
    expect(turn.profileUpdates).toEqual({ email: 'ann@initech.com' });
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

  it('only acknowledges a customer whose profile was already complete, but takes a correction', async () => {
    const complete = { firstName: 'A', lastName: 'B', company: 'C', email: 'a@b.co' };
    const { turns } = await converse(['Ciao, sono di nuovo io', 'la mia azienda è Cobalto S.r.l.'], {
      profile: complete,
    });
    expect(turns[0]?.replies).toEqual([
      'Grazie del messaggio! Una persona del nostro team ti risponderà qui a breve.',
    ]);
    expect(turns[0]?.profileUpdates).toEqual({});
    expect(turns[1]?.profileUpdates).toEqual({ company: 'Cobalto S.r.l.' });
    expect(turns[1]?.replies).toEqual(['Ok, ho aggiornato il dato.']);
  });
});
