import { describe, expect, it } from 'vitest';
import { keywordReply, matchKeyword } from './keywords.js';

// The same keywords answer on WhatsApp and on SMS (conversations/consent-keywords.ts handles both).
describe('opt-out and opt-in keywords in every language', () => {
  it.each([
    ['STOP', 'en'],
    ['Unsubscribe', 'en'],
    ['stopp', 'en'],
    ['PARAR', 'pt'],
    ['Sair', 'pt'],
    ['cancelar', 'pt'],
    ['ANNULLA', 'it'],
    ['basta!', 'it'],
    ['Disattiva', 'it'],
    ['BAJA', 'es'],
    ['dar de baja', 'es'],
    ['No más', 'es'],
    ['anular', 'es'],
  ] as const)('%s opts out (%s)', (text, language) => {
    expect(matchKeyword(text)).toEqual({ action: 'opt_out', language });
  });

  it.each([
    ['START', 'en'],
    ['Iniciar', 'pt'],
    ['começar', 'pt'],
    ['ATTIVA', 'it'],
    ['Iscrivimi', 'it'],
    ['ALTA', 'es'],
    ['suscribir', 'es'],
  ] as const)('%s opts in again (%s)', (text, language) => {
    expect(matchKeyword(text)).toEqual({ action: 'opt_in', language });
  });

  it('never takes a sentence for a keyword', () => {
    expect(matchKeyword('stop sending me offers please')).toBeUndefined();
    expect(matchKeyword('basta così, grazie mille per tutto')).toBeUndefined();
  });

  it('confirms in the customer’s language and names how to opt in again', () => {
    expect(keywordReply('opt_out', 'en')).toContain('START');
    expect(keywordReply('opt_out', 'it')).toMatch(/Iscrizione annullata.*ISCRIVIMI/);
    expect(keywordReply('opt_out', 'pt')).toMatch(/cancelada.*INICIAR/);
    expect(keywordReply('opt_out', 'es')).toMatch(/baja.*ALTA/);
  });
});
