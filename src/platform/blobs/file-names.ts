const MAX_STEM = 120;

/**
 * The name a file is shown and offered under, from a name a person chose: only its last path segment is
 * kept (`../../etc/passwd` → `passwd`), control, format and reserved characters go (`a.pdf%00.exe`'s NUL,
 * bidi overrides, `"*:<>?|`), leading dots go, and the extension is always `extension` — the type we
 * detected or serve — so a PDF named `invoice.html` is saved as `invoice.pdf` and never opened as a page.
 * Never used in a path: blobs are stored under keys our code makes.
 */
export function safeFileName(original: string | null, extension: string, fallbackStem: string): string {
  const last = (original ?? '').split(/[/\\]/).at(-1) ?? '';
  const cleaned = last
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}"*:<>?|]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const dot = cleaned.lastIndexOf('.');
  const stem = [...(dot > 0 ? cleaned.slice(0, dot) : cleaned)].slice(0, MAX_STEM).join('').trim();
  return `${stem || fallbackStem}.${extension}`;
}
