import { describe, expect, it } from 'vitest';
import {
  PARAMETER_LIMITS,
  parameterCount,
  parameterProblem,
  renderTemplateText,
  sentValues,
  templateText,
} from './template-text.js';

// Meta's shape, as GET /{waba-id}/message_templates lists it.
const orderUpdate = [
  { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['A-17'] } },
  {
    type: 'BODY',
    text: 'Hello {{1}}, your order {{2}} ships on {{3}}. Quote {{2}} when you call.',
    example: { body_text: [['Ada', 'A-17', 'Monday']] },
  },
  { type: 'FOOTER', text: 'Reply STOP to opt out' },
  {
    type: 'BUTTONS',
    buttons: [{ type: 'QUICK_REPLY', text: 'Thanks' }],
  },
];

describe('a template’s text', () => {
  it('lists each numbered variable once, header first, in order', () => {
    const text = templateText(orderUpdate);
    expect(text.variables).toEqual([
      { component: 'header', index: 1 },
      { component: 'body', index: 1 },
      { component: 'body', index: 2 },
      { component: 'body', index: 3 },
    ]);
    expect(parameterCount(text, 'header')).toBe(1);
    expect(parameterCount(text, 'body')).toBe(3);
    expect(text).toMatchObject({ header: 'Order {{1}}', footer: 'Reply STOP to opt out', headerMedia: null });
    expect(text.buttonVariables).toBe(false);
  });

  it('renders header, body and footer with the values filled, a placeholder used twice filled twice', () => {
    const rendered = renderTemplateText(templateText(orderUpdate), {
      header: ['A-17'],
      body: ['Ada', 'A-17', 'Monday'],
    });
    expect(rendered).toBe(
      'Order A-17\n\nHello Ada, your order A-17 ships on Monday. Quote A-17 when you call.\n\nReply STOP to opt out',
    );
  });

  it('leaves a placeholder without a value, or with an empty one, as it is', () => {
    expect(renderTemplateText(templateText(orderUpdate), { header: [''], body: ['Ada'] })).toMatch(
      /^Order \{\{1\}\}\n\nHello Ada, your order \{\{2\}\} ships/,
    );
  });

  it('renders a template without variables or header as its body, and a media header as nothing', () => {
    const text = templateText([
      { type: 'HEADER', format: 'DOCUMENT', example: { header_handle: ['x'] } },
      { type: 'BODY', text: 'Your quote is attached.' },
    ]);
    expect(text.headerMedia).toBe('DOCUMENT');
    expect(text.variables).toEqual([]);
    expect(renderTemplateText(text, { header: [], body: [] })).toBe('Your quote is attached.');
  });

  it('notes named placeholders and URL buttons that need a value', () => {
    const text = templateText([
      { type: 'BODY', text: 'Hi {{first_name}}' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://x.example/t/{{1}}' }] },
    ]);
    expect(text.named).toEqual(['first_name']);
    expect(text.buttonVariables).toBe(true);
    expect(text.variables).toEqual([]);
  });

  it('counts parameters by the highest placeholder: Meta fills by position, gaps included', () => {
    expect(parameterCount(templateText([{ type: 'BODY', text: 'a {{1}} b {{3}}' }]), 'body')).toBe(3);
    expect(parameterCount(templateText([{ type: 'BODY', text: 'no variables' }]), 'header')).toBe(0);
  });
});

describe('the values of a send', () => {
  it('reads text parameters per component, and a currency as its fallback value', () => {
    expect(
      sentValues([
        { type: 'header', parameters: [{ type: 'text', text: 'A-17' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ada' },
            { type: 'currency', currency: { fallback_value: '€5', code: 'EUR', amount_1000: 5000 } },
          ],
        },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'x' }] },
      ]),
    ).toEqual({ header: ['A-17'], body: ['Ada', '€5'] });
    expect(sentValues(undefined)).toEqual({ header: [], body: [] });
  });
});

describe('Meta’s rules for a text parameter', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['two\nlines', 'line-break'],
    ['a\ttab', 'line-break'],
    ['five     spaces', 'spaces'],
  ])('refuses %j', (value, problem) => {
    expect(parameterProblem(value, PARAMETER_LIMITS.body)).toBe(problem);
  });

  it('accepts four spaces in a row, and a value at the limit but not one past it', () => {
    expect(parameterProblem('four    spaces', PARAMETER_LIMITS.body)).toBeUndefined();
    expect(parameterProblem('x'.repeat(60), PARAMETER_LIMITS.header)).toBeUndefined();
    expect(parameterProblem('x'.repeat(61), PARAMETER_LIMITS.header)).toBe('too-long');
  });
});
