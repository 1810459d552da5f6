/** The extension each recognised type is named with (a `.html` renamed `.pdf` keeps nothing of `.html`). */
export const FILE_EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'application/pdf': 'pdf',
  'application/msword': 'doc',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'text/plain': 'txt',
};

/**
 * The type of an uploaded file, read from its bytes (magic numbers and container contents), never from
 * the name or the Content-Type the client sent: a page or a program renamed `photo.jpg` is not a JPEG.
 * Only the types operators may attach are recognised; anything else is undefined.
 */
export function detectFileType(bytes: Buffer, fileName: string): string | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return compoundDocumentType(bytes);
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return officeOpenXmlType(bytes);
  // Plain text has no signature: only a `.txt` file that is UTF-8 without control characters.
  if (/\.txt$/i.test(fileName.trim()) && isPlainText(bytes)) return 'text/plain';
  return undefined;
}

function startsWith(bytes: Buffer, signature: readonly number[]): boolean {
  return bytes.length >= signature.length && signature.every((byte, index) => bytes[index] === byte);
}

/** Word, Excel and PowerPoint 97–2003 files are OLE compound files, told apart by their main stream's name. */
function compoundDocumentType(bytes: Buffer): string | undefined {
  const has = (name: string) => bytes.includes(Buffer.from(name, 'utf16le'));
  if (has('WordDocument')) return 'application/msword';
  if (has('Workbook') || has('Book\u0000')) return 'application/vnd.ms-excel';
  if (has('PowerPoint Document')) return 'application/vnd.ms-powerpoint';
  return undefined;
}

/** Office Open XML files are ZIP archives whose part names say which application wrote them. */
function officeOpenXmlType(bytes: Buffer): string | undefined {
  if (!bytes.includes('[Content_Types].xml', 0, 'latin1')) return undefined;
  if (bytes.includes('word/document.xml', 0, 'latin1'))
    return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  if (bytes.includes('xl/workbook.xml', 0, 'latin1'))
    return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (bytes.includes('ppt/presentation.xml', 0, 'latin1'))
    return 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
  return undefined;
}

// Tab, line feed, form feed and carriage return are text; other C0 controls and DEL mean a binary file.
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0c, 0x0d]);

function isPlainText(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if ((byte < 0x20 && !TEXT_CONTROLS.has(byte)) || byte === 0x7f) return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
