import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type BlobStore, mediaBlobKey } from '../../platform/blobs/blob-store.js';

/** The file is kept as content-addressed parts of this size: memory stays flat whatever the file's size. */
export const PART_BYTES = 4 * 1024 * 1024;
/** What the upload keeps in memory to sniff the encoding and delimiter and show a preview. */
export const HEAD_BYTES = 64 * 1024;
/** What the import's parser is handed at a time. */
const READ_SLICE_BYTES = 64 * 1024;

export interface StoredFile {
  parts: string[];
  sizeBytes: number;
  head: Buffer;
}

/**
 * Streams `source` into the blob store as parts of PART_BYTES, each under `<tenant>/<sha256>` (keys made
 * by our code, never from the file name). The caller's size limit is the stream's (multipart's fileSize).
 */
export async function storeImportFile(
  blobs: BlobStore,
  tenantId: string,
  source: AsyncIterable<Buffer>,
): Promise<StoredFile> {
  const parts: string[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let sizeBytes = 0;
  let head = Buffer.alloc(0);
  const flush = async () => {
    if (pendingBytes === 0) return;
    const part = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    const sha = createHash('sha256').update(part).digest('hex');
    await blobs.put(mediaBlobKey(tenantId, sha), part);
    parts.push(sha);
  };
  for await (const chunk of source) {
    sizeBytes += chunk.length;
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= PART_BYTES) await flush();
  }
  await flush();
  return { parts, sizeBytes, head };
}

/** The stored file again, part by part (one part in memory at a time); `skipBytes` drops a byte-order mark. */
export function readImportFile(
  blobs: BlobStore,
  tenantId: string,
  parts: readonly string[],
  skipBytes = 0,
): Readable {
  async function* read() {
    let skip = skipBytes;
    for (const sha of parts) {
      const part = await blobs.get(mediaBlobKey(tenantId, sha));
      if (!part) throw new Error('an import file part is missing from the blob store');
      const from = Math.min(skip, part.length);
      skip -= from;
      // In slices: the parser turns what it is given into records at once, so a whole 4 MB part would
      // be ~60,000 records buffered ahead of the import, old enough to be promoted before they are used.
      for (let at = from; at < part.length; at += READ_SLICE_BYTES) {
        yield part.subarray(at, Math.min(at + READ_SLICE_BYTES, part.length));
      }
    }
  }
  return Readable.from(read(), { objectMode: false });
}

export async function deleteImportFile(
  blobs: BlobStore,
  tenantId: string,
  parts: readonly string[],
): Promise<void> {
  for (const sha of new Set(parts)) await blobs.delete(mediaBlobKey(tenantId, sha));
}
