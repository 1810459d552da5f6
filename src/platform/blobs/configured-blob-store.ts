import type { Config } from '../config/config.js';
import type { OutboundClient } from '../http/outbound/outbound-client.js';
import type { BlobStore } from './blob-store.js';
import { createFilesystemBlobStore } from './filesystem-blob-store.js';
import { createS3BlobStore } from './s3-blob-store.js';

/** The blob store the configuration names: the S3-compatible bucket when BLOB_S3_URL is set, else BLOB_DIR. */
export function configuredBlobStore(config: Config, http: OutboundClient): BlobStore {
  const s3 = config.media.s3;
  return s3
    ? createS3BlobStore({
        http,
        endpoint: s3.endpoint,
        bucket: s3.bucket,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region },
        maxBytes: config.media.maxBytes,
      })
    : createFilesystemBlobStore(config.media.blobDir);
}
