import { OutboundError } from '../http/outbound/errors.js';
import type { OutboundClient } from '../http/outbound/outbound-client.js';
import { assertBlobKey, type BlobStore } from './blob-store.js';
import { amzDate, type S3Credentials, sha256Hex, signS3Request } from './s3-signature.js';

export interface S3BlobStoreOptions {
  http: OutboundClient;
  /** Operator configuration (trusted): e.g. https://s3.eu-central-1.amazonaws.com or a MinIO URL. */
  endpoint: string;
  bucket: string;
  credentials: S3Credentials;
  /** The largest object `get` reads (media are capped at download already). */
  maxBytes: number;
}

/**
 * Blobs in an S3-compatible bucket, path-style (`{endpoint}/{bucket}/{key}`, which AWS, MinIO, Ceph and
 * R2 all accept), signed with SigV4 and sent through the shared outbound client. A PUT is atomic on the
 * S3 side: readers see the old object or the new one, never half.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const endpoint = new URL(options.endpoint);
  const basePath = endpoint.pathname.replace(/\/+$/, '');
  const request = async (
    method: 'GET' | 'PUT' | 'DELETE',
    key: string,
    body?: Buffer,
    extraHeaders: Record<string, string> = {},
  ) => {
    assertBlobKey(key);
    const path = `${basePath}/${options.bucket}/${key}`;
    const payloadSha256 = sha256Hex(body ?? '');
    const headers: Record<string, string> = {
      host: endpoint.host,
      'x-amz-content-sha256': payloadSha256,
      'x-amz-date': amzDate(new Date()),
    };
    const authorization = signS3Request({
      method,
      path,
      headers,
      payloadSha256,
      credentials: options.credentials,
    });
    const { host: _host, ...sent } = headers;
    return options.http.request({
      method,
      url: `${endpoint.origin}${path}`,
      headers: {
        ...sent,
        authorization,
        ...extraHeaders,
        ...(body
          ? { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }
          : {}),
      },
      body,
      maxBytes: options.maxBytes,
      breakerKey: `s3:${endpoint.host}`,
    });
  };
  return {
    async put(key, content) {
      await request('PUT', key, content);
    },
    async get(key) {
      try {
        return (await request('GET', key)).body;
      } catch (error) {
        if (error instanceof OutboundError && error.details.status === 404) return undefined;
        throw error;
      }
    },
    async peek(key, length) {
      try {
        // A ranged GET (206); a store that ignores Range answers 200 with the whole object, cut here.
        const { body } = await request('GET', key, undefined, { range: `bytes=0-${length - 1}` });
        return body.subarray(0, length);
      } catch (error) {
        if (error instanceof OutboundError && error.details.status === 404) return undefined;
        throw error;
      }
    },
    async delete(key) {
      try {
        await request('DELETE', key);
      } catch (error) {
        if (error instanceof OutboundError && error.details.status === 404) return;
        throw error;
      }
    },
  };
}
