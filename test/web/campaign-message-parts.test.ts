import { describe, expect, it } from 'vitest';
import {
  type MessageTemplate,
  smsSegments,
  templateShape,
  variablesFor,
} from '../../web/src/campaigns/message-parts.js';

describe('SMS segments', () => {
  it('counts 160 GSM-7 characters as one segment and 161 as two parts of 153', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({
      encoding: 'GSM-7',
      units: 160,
      segments: 1,
      perSegment: 160,
    });
    expect(smsSegments('a'.repeat(161))).toEqual({
      encoding: 'GSM-7',
      units: 161,
      segments: 2,
      perSegment: 153,
    });
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts the extension characters (€, braces) as two septets', () => {
    expect(smsSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments(`${'€'.repeat(80)}a`)).toMatchObject({ units: 161, segments: 2 });
  });

  it('switches the whole text to UCS-2 for one character outside GSM-7', () => {
    expect(smsSegments('Olá, tudo bem? 😀')).toMatchObject({
      encoding: 'UCS-2',
      segments: 1,
      perSegment: 70,
    });
    expect(smsSegments(`${'a'.repeat(70)}’`)).toMatchObject({ encoding: 'UCS-2', units: 71, segments: 2 });
  });

  it('counts an empty text as nothing to send', () => {
    expect(smsSegments('').segments).toBe(0);
  });
});

const template = (components: Record<string, unknown>[]): MessageTemplate => ({
  name: 'spring_offer',
  language: 'it',
  category: 'MARKETING',
  status: 'APPROVED',
  components,
});

describe('template shape', () => {
  it('lists numbered variables by component, each once, and a media header', () => {
    const shape = templateShape(
      template([
        { type: 'HEADER', format: 'IMAGE' },
        { type: 'BODY', text: 'Ciao {{1}}, {{2}} ti aspetta. A presto {{1}}!' },
        {
          type: 'BUTTONS',
          buttons: [{ type: 'URL', url: 'https://shop.example/{{1}}' }, { type: 'QUICK_REPLY' }],
        },
      ]),
    );
    expect(shape.headerMedia).toBe('image');
    expect(shape.placeholders.map(({ component, index }) => `${component}:${index}`)).toEqual([
      'body:1',
      'body:2',
      'button:1',
    ]);
    expect(shape.named).toEqual([]);
  });

  it('reads a text header and names the named variables it cannot fill', () => {
    const shape = templateShape(
      template([
        { type: 'HEADER', format: 'TEXT', text: 'Offerta per {{1}}' },
        { type: 'BODY', text: 'Ciao {{first_name}}' },
      ]),
    );
    expect(shape.headerMedia).toBeNull();
    expect(shape.placeholders.map(({ component, index }) => `${component}:${index}`)).toEqual(['header:1']);
    expect(shape.named).toEqual(['first_name']);
  });

  it('keeps the mapping of placeholders that stay and defaults the new ones', () => {
    const shape = templateShape(template([{ type: 'BODY', text: '{{1}} {{2}}' }]));
    const kept = {
      component: 'body' as const,
      index: 2,
      source: 'contact.fields.city',
      fallback: 'your city',
    };
    expect(
      variablesFor(shape, [kept, { component: 'header', index: 1, source: 'contact.company', fallback: '' }]),
    ).toEqual([{ component: 'body', index: 1, source: 'contact.firstName', fallback: '' }, kept]);
  });
});
