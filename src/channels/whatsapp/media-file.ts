import { mediaExtension } from './media-types.js';

const MAX_STEM = 120;

/**
 * The name a downloaded file is offered under. The customer chose the original name: only its last path
 * segment is kept, control and reserved characters go, and the extension always matches the type we
 * serve, so a PDF named `invoice.html` is saved as `invoice.pdf` and never opened as a page.
 */
export function downloadFileName(original: string | null, mimeType: string, fallbackStem: string): string {
  const extension = mediaExtension(mimeType) ?? 'bin';
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

/** Images, audio and video may show in the page (thumbnails, players); documents are always downloads. */
export function isInlineMedia(mimeType: string): boolean {
  return /^(image|audio|video)\//.test(mimeType);
}
