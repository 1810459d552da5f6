import { describe, expect, it } from 'vitest';
import { detectFileType } from './file-type.js';

const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const ole = (stream: string) => Buffer.concat([OLE, Buffer.alloc(32), Buffer.from(stream, 'utf16le')]);
const ooxml = (part: string) =>
  Buffer.concat([ZIP, Buffer.from(`..[Content_Types].xml..${part}..`, 'latin1')]);

describe('detectFileType', () => {
  it('reads images and PDFs by their signature, whatever the name says', () => {
    expect(detectFileType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0]), 'x.png')).toBe('image/jpeg');
    expect(detectFileType(Buffer.from('%PDF-1.7 ...'), 'x.jpg')).toBe('application/pdf');
  });

  it('tells Word, Excel and PowerPoint files apart, old and new', () => {
    expect(detectFileType(ole('WordDocument'), 'a')).toBe('application/msword');
    expect(detectFileType(ole('Workbook'), 'a')).toBe('application/vnd.ms-excel');
    expect(detectFileType(ole('PowerPoint Document'), 'a')).toBe('application/vnd.ms-powerpoint');
    expect(detectFileType(ooxml('word/document.xml'), 'a')).toMatch(/wordprocessingml/);
    expect(detectFileType(ooxml('xl/workbook.xml'), 'a')).toMatch(/spreadsheetml/);
    expect(detectFileType(ooxml('ppt/presentation.xml'), 'a')).toMatch(/presentationml/);
  });

  it('refuses an unknown compound file, a plain ZIP, and text that is not a clean .txt', () => {
    expect(detectFileType(ole('Something'), 'a.doc')).toBeUndefined();
    expect(detectFileType(Buffer.concat([ZIP, Buffer.from('evil.exe')]), 'a.docx')).toBeUndefined();
    expect(detectFileType(Buffer.from('hello'), 'hello.html')).toBeUndefined();
    expect(detectFileType(Buffer.from([0x68, 0xc3, 0x28]), 'bad.txt')).toBeUndefined();
    expect(detectFileType(Buffer.from('olá\r\n\tmundo'), 'notes.TXT')).toBe('text/plain');
  });
});
