import { describe, expect, it } from 'vitest';
import type { Language } from '../../conversations/conversations.table.js';
import type { Profile } from '../agent.js';
import type { ProfileField } from '../qualifier-settings.table.js';
import { extractProfile } from './extract.js';

const NOBODY: Profile = { firstName: null, lastName: null, company: null, email: null };
const read = (text: string, asked: ProfileField | null, language: Language) =>
  extractProfile(text, { asked, language, known: NOBODY });

describe('extractProfile', () => {
  it.each<[string, ProfileField | null, Language, Record<string, string>]>([
    ["I'm John Smith from Acme", null, 'en', { firstName: 'John', lastName: 'Smith', company: 'Acme' }],
    ['hi im john', null, 'en', { firstName: 'john' }],
    ['This is Sarah from Hooli', null, 'en', { firstName: 'Sarah', company: 'Hooli' }],
    [
      "Hello, I'm Peter and I work for Umbrella Corp",
      null,
      'en',
      { firstName: 'Peter', company: 'Umbrella Corp' },
    ],
    ['My name is JOHN O’BRIEN', null, 'en', { firstName: 'JOHN', lastName: 'O’BRIEN' }],
    ["my last name is O'Neil", null, 'en', { lastName: "O'Neil" }],
    ['last name: Rossi', null, 'en', { lastName: 'Rossi' }],
    [
      'Mi chiamo Maria Rossi, lavoro in Ferrari',
      null,
      'it',
      { firstName: 'Maria', lastName: 'Rossi', company: 'Ferrari' },
    ],
    [
      'Sono Marco Bianchi di Luxottica',
      null,
      'it',
      { firstName: 'Marco', lastName: 'Bianchi', company: 'Luxottica' },
    ],
    ['il mio cognome è De Luca', null, 'it', { lastName: 'De Luca' }],
    ['Nome e cognome: Maria Rossi', null, 'it', { firstName: 'Maria', lastName: 'Rossi' }],
    ['nome completo: Ana Paula Souza', null, 'pt', { firstName: 'Ana Paula', lastName: 'Souza' }],
    ['la mia azienda è Barilla S.p.A.', null, 'it', { company: 'Barilla S.p.A.' }],
    ['Me llamo José Luis Martínez Soria', null, 'es', { firstName: 'José Luis', lastName: 'Martínez Soria' }],
    ['mi apellido es García, no Garcia', null, 'es', { lastName: 'García' }],
    ['trabajo en Telefónica S.A.', null, 'es', { company: 'Telefónica S.A.' }],
    ['perdón, mi correo es ana@x.es', null, 'es', { email: 'ana@x.es' }],
    ['na verdade a empresa é Lima Logística', null, 'pt', { company: 'Lima Logística' }],
    ['my company is <b>Acme</b> 🚀', null, 'en', { company: 'Acme' }],
    ['*Maria* 😊', 'first_name', 'en', { firstName: 'Maria' }],
    [
      'Jake Turner from Bluepeak here',
      'first_name',
      'en',
      { firstName: 'Jake', lastName: 'Turner', company: 'Bluepeak' },
    ],
    [
      'Maria Rossi, Rossi Srl',
      'first_name',
      'it',
      { firstName: 'Maria', lastName: 'Rossi', company: 'Rossi Srl' },
    ],
    ['john at acme dot com', 'email', 'en', { email: 'john@acme.com' }],
    ['Will', 'first_name', 'en', { firstName: 'Will' }],
    ['Meu nome é João da Silva', null, 'pt', { firstName: 'João', lastName: 'da Silva' }],
    [
      'Sou a Ana Costa, trabalho na Natura',
      null,
      'pt',
      { firstName: 'Ana', lastName: 'Costa', company: 'Natura' },
    ],
    ['minha empresa é Magazine Luiza', null, 'pt', { company: 'Magazine Luiza' }],
    ['I work at Acme and my email is J@Acme.com', null, 'en', { company: 'Acme', email: 'j@acme.com' }],
    ['my company is Globex, not Initech', null, 'en', { company: 'Globex' }],
    ['actually my email is a@b.com not c@d.com', null, 'en', { email: 'a@b.com' }],
    ['anzi la mia email è maria@x.it', null, 'it', { email: 'maria@x.it' }],
    ['na verdade meu email é joao@y.com.br', null, 'pt', { email: 'joao@y.com.br' }],
    ['john@acme.com', 'first_name', 'en', { email: 'john@acme.com' }],
    ['john smith', 'first_name', 'en', { firstName: 'john', lastName: 'smith' }],
    ['da Silva', 'last_name', 'pt', { lastName: 'da Silva' }],
    ['de luca', 'last_name', 'it', { lastName: 'de luca' }],
    ['Acme Ltd', 'company', 'en', { company: 'Acme Ltd' }],
    ["It's Acme Inc.", 'company', 'en', { company: 'Acme Inc.' }],
    ['yes', 'company', 'en', {}],
    ['how much is it?', 'company', 'en', {}],
    ['sono interessato ai vostri prodotti', null, 'it', {}],
    ['Sou de São Paulo', null, 'pt', {}],
    ["I'm waiting for your reply", null, 'en', {}],
    ['why do you need it?', 'first_name', 'en', {}],
  ])('reads %j (asked %s, %s)', (text, asked, language, expected) => {
    expect(read(text, asked, language).updates).toEqual(expected);
  });

  it.each<[string, ProfileField | null, string]>([
    ['my name is john123', null, 'name:nameReasonDigits'],
    ["I'm at the office", 'first_name', 'name:nameReasonSentence'],
    ['www.example.com', 'last_name', 'name:nameReasonLink'],
    ['<script>alert(1)</script>', 'first_name', 'name:nameReasonCode'],
    ['john.acme.com', 'email', 'email:emailReasonNoAt'],
    ['my email is john.gmail.com', null, 'email:emailReasonNoAt'],
    ['john@acme', 'email', 'email:emailReasonDomain'],
    ['john@@acme.com', 'email', 'email:emailReasonFormat'],
    ['jo hn"@acme.com', 'email', 'email:emailReasonFormat'],
    ['{{7*7}}', 'company', 'company:companyReasonCode'],
    ['x'.repeat(101), 'company', 'company:companyReasonLong'],
  ])('refuses %j (asked %s): %s', (text, asked, problem) => {
    const result = read(text, asked, 'en');
    const [kind, reason] = problem.split(':');
    if (kind === 'name') expect(result.nameProblem?.reason).toBe(reason);
    if (kind === 'email') expect(result.emailProblem).toBe(reason);
    if (kind === 'company') expect(result.companyProblem).toBe(reason);
    expect(result.updates).toEqual({});
  });

  it.each([
    ["I'm a freelancer, no company", 'en'],
    ['sono libero professionista', 'it'],
    ['sou MEI', 'pt'],
    ['trabalhador independente', 'pt'],
    ['soy autónomo', 'es'],
    ['no tengo empresa', 'es'],
  ] as const)('understands %j as no company', (text, language) => {
    const result = read(text, 'company', language);
    expect(result.companyNone).toBe(true);
    expect(result.updates).toEqual({});
  });

  it('never takes a phrase after a name cue for a name', () => {
    const known = { ...NOBODY, firstName: 'Tim' };
    for (const text of [
      'call me back about the Pro plan',
      'call me tomorrow',
      "I'm good",
      'sono interessato',
    ]) {
      expect(extractProfile(text, { asked: null, language: 'en', known }).updates).toEqual({});
    }
  });
});
