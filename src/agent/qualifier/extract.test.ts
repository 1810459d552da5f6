import { describe, expect, it } from 'vitest';
import type { Language } from '../../conversations/conversations.table.js';
import type { ProfileField } from '../qualifier-settings.table.js';
import { extractProfile } from './extract.js';

describe('extractProfile', () => {
  it.each<[string, ProfileField | null, Language, Record<string, string>]>([
    ["I'm John Smith from Acme", null, 'en', { firstName: 'John', lastName: 'Smith', company: 'Acme' }],
    ['hi im john', null, 'en', { firstName: 'John' }],
    ['This is Sarah from Hooli', null, 'en', { firstName: 'Sarah', company: 'Hooli' }],
    [
      "Hello, I'm Peter and I work for Umbrella Corp",
      null,
      'en',
      { firstName: 'Peter', company: 'Umbrella Corp' },
    ],
    ['My name is JOHN O’BRIEN', null, 'en', { firstName: 'John', lastName: 'O’Brien' }],
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
    ['nome completo: Ana Paula Souza', null, 'pt', { firstName: 'Ana', lastName: 'Paula Souza' }],
    ['la mia azienda è Barilla S.p.A.', null, 'it', { company: 'Barilla S.p.A' }],
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
    ['john smith', 'first_name', 'en', { firstName: 'John', lastName: 'Smith' }],
    ['da Silva', 'last_name', 'pt', { lastName: 'da Silva' }],
    ['de luca', 'last_name', 'it', { lastName: 'De Luca' }],
    ['Acme Ltd', 'company', 'en', { company: 'Acme Ltd' }],
    ["It's Acme Inc.", 'company', 'en', { company: 'Acme Inc' }],
    ['sono interessato ai vostri prodotti', null, 'it', {}],
    ['Sou de São Paulo', null, 'pt', {}],
    ["I'm waiting for your reply", null, 'en', {}],
    ['why do you need it?', 'first_name', 'en', {}],
  ])('reads %j (asked %s, %s)', (text, asked, language, expected) => {
    expect(extractProfile(text, asked, language).updates).toEqual(expected);
  });

  it.each<[string, ProfileField | null, string]>([
    ['my name is john123', null, 'nameRejected'],
    ['yes', 'first_name', 'nameRejected'],
    ["I'm at the office", 'first_name', 'nameRejected'],
    ['www.example.com', 'last_name', 'nameRejected'],
    ['john at acme dot com', 'email', 'emailProblem:emailReasonNoAt'],
    ['my email is john.acme.com', null, 'emailProblem:emailReasonNoAt'],
    ['john@acme', 'email', 'emailProblem:emailReasonDomain'],
    ['john@@acme.com', 'email', 'emailProblem:emailReasonFormat'],
    ['jo hn"@acme.com', 'email', 'emailProblem:emailReasonFormat'],
    ['my company is someone@example.com', null, 'companyRejected'],
  ])('refuses %j (asked %s): %s', (text, asked, problem) => {
    const result = extractProfile(text, asked, 'en');
    const [flag, reason] = problem.split(':') as [keyof typeof result, string | undefined];
    expect(result[flag]).toBe(reason ?? true);
  });
});
