import { describe, expect, it } from 'vitest';
import { downloadFileName, isInlineMedia } from './media-file.js';

describe('downloadFileName', () => {
  it('keeps a plain name with the extension of the served type', () => {
    expect(downloadFileName('Quote 2026.pdf', 'application/pdf', 'm')).toBe('Quote 2026.pdf');
  });

  it('drops path parts, both slashes', () => {
    expect(downloadFileName('../../etc/passwd', 'text/plain', 'm')).toBe('passwd.txt');
    expect(downloadFileName('C:\\Users\\x\\evil.pdf', 'application/pdf', 'm')).toBe('evil.pdf');
  });

  it('replaces an extension that does not match the type', () => {
    expect(downloadFileName('invoice.html', 'application/pdf', 'm')).toBe('invoice.pdf');
    expect(downloadFileName('photo', 'image/jpeg; charset=x', 'm')).toBe('photo.jpg');
  });

  it('removes control, bidi-override and reserved characters and leading dots', () => {
    expect(downloadFileName('a\u0000b\r\n"c"<d>\u202Egpj.exe', 'image/png', 'm')).toBe('abcdgpj.png');
    expect(downloadFileName('...hidden.txt', 'text/plain', 'm')).toBe('hidden.txt');
  });

  it('falls back to the given stem for a missing or empty name, and bounds the length', () => {
    expect(downloadFileName(null, 'audio/ogg', 'media-1')).toBe('media-1.ogg');
    expect(downloadFileName('///', 'audio/ogg', 'media-1')).toBe('media-1.ogg');
    expect(downloadFileName(`${'é'.repeat(500)}.pdf`, 'application/pdf', 'm')).toBe(`${'é'.repeat(120)}.pdf`);
  });
});

describe('isInlineMedia', () => {
  it('shows images, audio and video; documents are downloads', () => {
    expect(isInlineMedia('image/webp')).toBe(true);
    expect(isInlineMedia('video/mp4')).toBe(true);
    expect(isInlineMedia('application/pdf')).toBe(false);
    expect(isInlineMedia('text/plain')).toBe(false);
  });
});
