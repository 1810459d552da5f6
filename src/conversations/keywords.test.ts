import { describe, expect, it } from 'vitest';
import { keywordOf, keywordReply } from './keywords.js';

describe('keywordOf', () => {
  it.each([
    ['STOP', 'stop', null],
    ['stop', 'stop', null],
    ['  Stop. ', 'stop', null],
    ['Opt-out!', 'stop', 'en'],
    ['UNSUBSCRIBE', 'stop', 'en'],
    ['annulla', 'stop', 'it'],
    ['Sair', 'stop', 'pt'],
    ['baja', 'stop', 'es'],
    ['PARAR', 'stop', null],
    ['start', 'start', null],
    ['Unstop', 'start', 'en'],
    ['yes', 'start', 'en'],
    ['HELP', 'help', 'en'],
    ['info?', 'help', null],
    ['Ajuda', 'help', 'pt'],
    ['aiuto!', 'help', 'it'],
    ['AYUDA', 'help', 'es'],
  ])('%j is the %s keyword', (text, action, language) => {
    expect(keywordOf(text)).toEqual({ action, language });
  });

  it.each([
    "please don't stop",
    'stop sending me offers please',
    'stopped',
    'helpful',
    '',
    '   ',
    null,
    'STOP'.repeat(20),
  ])('%j is not a keyword', (text) => {
    expect(keywordOf(text)).toBeUndefined();
  });

  it('folds accents and full-width letters, so "ÁYUDA" and "ＳＴＯＰ" count', () => {
    expect(keywordOf('ÁYUDA')?.action).toBe('help');
    expect(keywordOf('ＳＴＯＰ')?.action).toBe('stop');
  });
});

describe('keywordReply', () => {
  it('answers in each supported language and tells how to undo', () => {
    expect(keywordReply('stop', 'en')).toContain('START');
    expect(keywordReply('stop', 'it')).toContain("annullato l'iscrizione");
    expect(keywordReply('start', 'pt')).toContain('STOP');
    expect(keywordReply('help', 'es')).toContain('STOP');
  });
});
