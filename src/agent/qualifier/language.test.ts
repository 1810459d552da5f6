import { describe, expect, it } from 'vitest';
import { confirmationAnswer } from './confirmation.js';
import { detectLanguage } from './language.js';
import { renderPrompt } from './prompts.js';

describe('detectLanguage', () => {
  it.each([
    ['Hi, I would like some information', 'en'],
    ["Hello! I'm John", 'en'],
    ['Ciao, buongiorno', 'it'],
    ['Vorrei un preventivo', 'it'],
    ['sono Maria', 'it'],
    ['Olá, bom dia!', 'pt'],
    ['Oi, quero saber o preço', 'pt'],
    ['OBRIGADO', 'pt'],
    ['👍', null],
    ['Maria', null],
    ['Hola, ¿cómo estás?', 'es'],
    ['Buenos días, me llamo Lucía', 'es'],
    ['Quisiera un presupuesto, gracias', 'es'],
  ])('%j is %s', (text, language) => {
    expect(detectLanguage(text)).toBe(language);
  });
});

describe('confirmationAnswer', () => {
  it.each([
    ['yes', 'yes'],
    ['Yes, all good', 'yes'],
    ['👍', 'yes'],
    ['sì', 'yes'],
    ['Si, va bene', 'yes'],
    ['sim, está certo', 'yes'],
    ['no', 'no'],
    ['sì ma la mail è sbagliata', 'no'],
    ['não', 'no'],
    ['not correct', 'no'],
    ['sí, todo correcto', 'yes'],
    ['no, está equivocado', 'no'],
    ['maybe', null],
    ['what?', null],
  ])('%j is %s', (text, answer) => {
    expect(confirmationAnswer(text)).toBe(answer);
  });
});

describe('renderPrompt', () => {
  it('fills only the values passed and drops any other placeholder, inherited names included', () => {
    const template = 'Hi {{ firstName }}, {{email}}{{constructor}}{{toString}}!';
    expect(renderPrompt(template, { firstName: 'Ann' })).toBe('Hi Ann, !');
    // Only letters make a placeholder name; anything else is left as written.
    expect(renderPrompt('{{__proto__}}', {})).toBe('{{__proto__}}');
  });
});
