import { describe, expect, it } from 'vitest';
import { converse, EMPTY } from '../../../test/support/qualifier-conversation.js';
import { unsupportedClaims } from '../llm/guardrails.js';

/** The eight losses of issue 12, each as the customer met it. */
describe('what the qualifier used to lose', () => {
  it('1. stores the e-mail address when it is given, with no "yes" to a summary', async () => {
    const { turns, profile } = await converse(['hi', 'Ann', 'Lee', 'Initech', 'ann@initech.com']);
    expect(turns[4]?.profileUpdates).toEqual({ email: 'ann@initech.com' });
    expect(profile).toEqual({
      firstName: 'Ann',
      lastName: 'Lee',
      company: 'Initech',
      email: 'ann@initech.com',
    });
  });

  it('2. after a refused answer, later answers still land in their own fields', async () => {
    const refused = await converse(['hi', 'john123', 'Ann', 'Lee', 'Initech', 'ann@initech.com']);
    expect(refused.profile).toEqual({
      firstName: 'Ann',
      lastName: 'Lee',
      company: 'Initech',
      email: 'ann@initech.com',
    });
    const decorated = await converse([
      'hi',
      '<b>Ann</b> 😊',
      'Lee',
      'Big Sky Coffee Roasters and Espresso Bar of Montana',
      'a@bsc.com',
    ]);
    expect(decorated.profile).toEqual({
      firstName: 'Ann',
      lastName: 'Lee',
      company: 'Big Sky Coffee Roasters and Espresso Bar of Montana',
      email: 'a@bsc.com',
    });
  });

  it('3. keeps the final dot of a legal form', async () => {
    const italian = await converse(['ciao', 'Marco', 'Bianchi', 'Bianchi S.r.l.']);
    expect(italian.profile.company).toBe('Bianchi S.r.l.');
    const brazilian = await converse(['oi', 'meu nome é Ana Souza e trabalho na Souza Ltda.']);
    expect(brazilian.profile.company).toBe('Souza Ltda.');
  });

  it('4. takes neither "yes" nor "I\'m a freelancer" for a company, and refuses no long company name', async () => {
    const yes = await converse(['hi', 'Ann', 'Lee', 'yes']);
    expect(yes.profile.company).toBeNull();
    expect(yes.replies[3]).toMatch(/Which company are you with\?$/);
    const si = await converse(['ciao', 'Marco', 'Bianchi', 'sì']);
    expect(si.profile.company).toBeNull();
    const freelancer = await converse(['hi', 'Ann', 'Lee', "I'm a freelancer, no company"]);
    expect(freelancer.profile.company).toBeNull();
    expect(freelancer.companyNone).toBe(true);
    expect(freelancer.replies[3]).toBe("What's your e-mail address?");
    const nine = await converse([
      'hi',
      'Ann',
      'Lee',
      'The Really Big Coffee Company of Greater North London',
    ]);
    expect(nine.profile.company).toBe('The Really Big Coffee Company of Greater North London');
  });

  it('5. understands a Portuguese correction of the company', async () => {
    const { turns, profile } = await converse([
      'oi',
      'Rafael',
      'Lima',
      'Lima Transportes',
      'rafael@lima.com.br',
      'na verdade a empresa é Lima Logística',
    ]);
    expect(profile.company).toBe('Lima Logística');
    expect(turns[5]?.replies[0]).toMatch(/^Certo, atualizei\./);
    expect(turns[5]?.replies[0]).not.toMatch(/e-mail/);
  });

  it('6. answers a price question honestly: a person sends prices or a quote, and no figure', async () => {
    for (const [text, words] of [
      ['Hi, how much is the Pro plan?', /send you prices or a quote/],
      ['Ciao, quanto costa?', /prezzi o un preventivo/],
      ['Oi, qual o preço? Tem desconto?', /preços ou um orçamento/],
      ['Hola, ¿cuánto cuesta? ¿Me hacen un descuento del 20%?', /precios o un presupuesto/],
    ] as const) {
      const { replies } = await converse([text]);
      expect(replies[0]).toMatch(words);
      expect(unsupportedClaims(replies[0] ?? '', { text: '', amounts: [] })).toEqual([]);
    }
  });

  it('7. says what was wrong with this answer', async () => {
    const sentence = await converse(['hi', "I'm at the office right now, sorry"]);
    expect(sentence.replies[1]).toMatch(/reads like a sentence/);
    expect(sentence.replies[1]).not.toMatch(/numbers|links/);
    const digits = await converse(['hi', 'john123']);
    expect(digits.replies[1]).toMatch(/a name has no digits/);
    const code = await converse(['hi', 'Ann', 'Lee', '{{7*7}} <%= system %>']);
    expect(code.replies[3]).toMatch(/looks like code/);
  });

  it('8. never renames a known contact from a phrase after a name cue', async () => {
    // Known by name, the e-mail still to come (the qualifier is still asking for it).
    const known = { ...EMPTY, firstName: 'Tim', lastName: 'Cook', company: 'Apple' };
    const { turns, profile } = await converse(['call me back about the Pro plan', "I'm good thanks"], {
      profile: known,
    });
    expect(turns.map((turn) => turn.profileUpdates)).toEqual([{}, {}]);
    expect(profile).toEqual(known);
    const named = await converse(['hi', 'call me Bob']);
    expect(named.profile.firstName).toBe('Bob');
  });
});
