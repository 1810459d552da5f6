import { describe, expect, it } from 'vitest';
import type { Template } from './template-catalog.js';
import { renderedTemplateText, templateSendProblems } from './template-message.js';

const template = (components: Record<string, unknown>[]): Template => ({
  name: 'quote_ready',
  language: 'it',
  category: 'UTILITY',
  status: 'APPROVED',
  components,
});
const body = (...values: string[]) => ({
  type: 'body',
  parameters: values.map((text) => ({ type: 'text', text })),
});

describe('a template send checked against its definition', () => {
  const quote = template([
    { type: 'HEADER', format: 'DOCUMENT' },
    { type: 'BODY', text: 'Ciao {{1}}, il preventivo {{2}} è pronto.' },
  ]);

  it('lets a media header’s file parameter through: it is not a variable', () => {
    const send = {
      name: 'quote_ready',
      language: 'it',
      components: [
        { type: 'header', parameters: [{ type: 'document', document: { id: '1' } }] },
        body('Ada', 'Q-7'),
      ],
    };
    expect(templateSendProblems(send, quote)).toEqual([]);
    expect(renderedTemplateText(send, quote)).toBe('Ciao Ada, il preventivo Q-7 è pronto.');
  });

  it('names the component whose parameter count is off', () => {
    const problems = templateSendProblems(
      { name: 'quote_ready', language: 'it', components: [body('Ada')] },
      quote,
    );
    expect(problems).toEqual([
      {
        path: 'template.components',
        message: 'quote_ready (it) has 2 body variables; 1 body parameter given',
      },
    ]);
  });

  it('does not count parameters of a template with named variables (they go by name)', () => {
    const named = template([{ type: 'BODY', text: 'Ciao {{first_name}}' }]);
    expect(
      templateSendProblems({ name: 'quote_ready', language: 'it', components: [body('Ada')] }, named),
    ).toEqual([]);
  });

  it('without a definition checks only Meta’s rules for the values, and renders nothing', () => {
    const send = { name: 'quote_ready', language: 'it', components: [body('Ada', 'two\nlines')] };
    expect(templateSendProblems(send, undefined)).toEqual([
      { path: 'template.components.0.parameters.1.text', message: 'must not contain line breaks or tabs' },
    ]);
    expect(renderedTemplateText(send, undefined)).toBeNull();
  });

  it('allows a body alone up to 32,768 characters, but 1,024 beside other components', () => {
    const long = 'x'.repeat(2000);
    expect(templateSendProblems({ name: 'a', language: 'it', components: [body(long)] }, undefined)).toEqual(
      [],
    );
    const withHeader = [{ type: 'header', parameters: [{ type: 'text', text: 'Hi' }] }, body(long)];
    expect(templateSendProblems({ name: 'a', language: 'it', components: withHeader }, undefined)).toEqual([
      { path: 'template.components.1.parameters.0.text', message: 'must be at most 1024 characters' },
    ]);
  });

  it('refuses a text parameter that is not a string', () => {
    const send = {
      name: 'a',
      language: 'it',
      components: [{ type: 'body', parameters: [{ type: 'text', text: 42 }] }],
    };
    expect(templateSendProblems(send, undefined)).toEqual([
      { path: 'template.components.0.parameters.0.text', message: 'must be a string' },
    ]);
  });
});
