import { safeFileName } from '../../platform/blobs/file-names.js';
import { mediaExtension } from './media-types.js';

/**
 * The name a downloaded file is offered under. The customer chose the original name: it is made safe by
 * `safeFileName`, with the extension of the type we serve.
 */
export function downloadFileName(original: string | null, mimeType: string, fallbackStem: string): string {
  return safeFileName(original, mediaExtension(mimeType) ?? 'bin', fallbackStem);
}

/** Images, audio and video may show in the page (thumbnails, players); documents are always downloads. */
export function isInlineMedia(mimeType: string): boolean {
  return /^(image|audio|video)\//.test(mimeType);
}
