import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/http/app-error.js';
import { DEFAULT_TEMPLATES, TEMPLATE_KINDS, TEMPLATE_LOCALES } from './default-templates.js';
import { renderTemplate, toPlainText, validateTemplate } from './quote-templates.js';
import { sampleTemplateData } from './template-data.js';

async function refusal(source: string): Promise<string> {
  const started = Date.now();
  try {
    await validateTemplate('message', source);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    // Stopped by a limit or refused outright, never left running.
    expect(Date.now() - started).toBeLessThan(5000);
    return (error as AppError).message;
  }
  throw new Error(`accepted: ${source}`);
}

describe('quote templates', () => {
  it('every default template in every locale validates and names the contact', async () => {
    for (const locale of TEMPLATE_LOCALES) {
      for (const kind of TEMPLATE_KINDS) {
        const out = await validateTemplate(kind, DEFAULT_TEMPLATES[locale][kind]);
        expect(out).toContain('Maria da Conceição');
      }
    }
  });

  it('undefined variables and filters are refused with their line and column', async () => {
    expect(await refusal('Hello\n  {{ contact.nmae }}')).toMatch(
      /undefined variable: contact\.nmae \(line 2, column 6\)/,
    );
    expect(await refusal('{{ contact.name | shout }}')).toMatch(
      /undefined filter: shout \(line 1, column 1\)/,
    );
    expect(await refusal('{% if %}')).toMatch(/line 1, column 6/);
    expect(await refusal('{{ contact.constructor }}')).toMatch(/undefined variable/);
  });

  it('includes, renders, layouts and inline liquid blocks are refused at save', async () => {
    for (const tag of [
      '{% include "secrets" %}',
      '{% render "x" %}',
      '{% layout "x" %}',
      '{% liquid echo 1 %}',
    ]) {
      expect(await refusal(`ok\n${tag}`)).toMatch(/tag is not allowed \(line 2, column 1\)/);
    }
  });

  it('markup in the template text is refused, naming where', async () => {
    expect(await refusal('Hi <b>{{ contact.name }}</b>')).toMatch(
      /< and > are not allowed \(line 1, column 4\)/,
    );
  });

  it('infinite loops, huge output and allocation bombs are stopped by the limits', async () => {
    expect(
      await refusal('{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}'),
    ).toMatch(/render limit/);
    expect(await refusal(`{% for i in (1..100000000) %}${'x'.repeat(50)}{% endfor %}`)).toMatch(
      /limit|more than/,
    );
    expect(
      await refusal(
        '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
      ),
    ).toMatch(/limit/);
    expect(await refusal('x'.repeat(20_001))).toMatch(/longer than/);
  });

  it('a contact or item named <script> comes out as text: escaped for HTML, literal in plain text', async () => {
    const data = sampleTemplateData();
    data.contact.name = '<script>alert(1)</script>';
    data.lines[0] = {
      ...(data.lines[0] as (typeof data.lines)[number]),
      name: '<img src=x onerror=alert(1)>',
    };
    for (const source of ['{{ contact.name | raw }}', '{% echo contact.name %}', null]) {
      const html = await renderTemplate('message', source, 'en', data);
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('<img');
      expect(html).toContain('&lt;script&gt;');
      expect(toPlainText(html)).toContain('<script>alert(1)</script>');
    }
  });
});
