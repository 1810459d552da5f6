/**
 * Where binary content (downloaded media) lives. Keys are made by our code only — never from user input
 * or provider file names — and look like `<tenant uuid>/<sha256 hex>`: content-addressed within a
 * tenant, so a repeated download stores nothing new and erasing a tenant is removing one prefix.
 */
export interface BlobStore {
  put(key: string, content: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
  /**
   * The first `length` bytes of an object (fewer if it is shorter), without reading the rest: enough to
   * read an envelope's header (key version) when counting blobs per data-key version. The stores of bytes
   * (filesystem, S3) have it; an encrypting wrapper does not (its prefix would be ciphertext).
   */
  peek?(key: string, length: number): Promise<Buffer | undefined>;
}

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/[0-9a-f]{64}$/;

export function mediaBlobKey(tenantId: string, sha256Hex: string): string {
  const key = `${tenantId.toLowerCase()}/${sha256Hex.toLowerCase()}`;
  assertBlobKey(key);
  return key;
}

export function assertBlobKey(key: string): void {
  if (!KEY.test(key)) throw new Error('invalid blob key');
}
