import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type S3Credentials, sha256Hex, signS3Request } from '../../src/platform/blobs/s3-signature.js';

/**
 * A minimal S3-compatible object store on 127.0.0.1: path-style PUT/GET/DELETE of objects in one bucket,
 * SigV4-checked (re-signed with the same signer: its correctness is pinned separately by AWS's published
 * example in s3-signature.test.ts), answering S3's XML error bodies with 403/404.
 */
export interface FakeS3 {
  readonly url: string;
  readonly hostPort: string;
  readonly objects: Map<string, Buffer>;
  /** How many ranged GETs were answered (peeks at a header rather than whole reads). */
  readonly rangedGets: () => number;
  close(): Promise<void>;
}

export async function startFakeS3(options: { bucket: string; credentials: S3Credentials }): Promise<FakeS3> {
  const objects = new Map<string, Buffer>();
  let ranged = 0;
  const xmlError = (code: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code></Error>`;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const fail = (status: number, code: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(xmlError(code));
    };
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const payloadSha256 = String(req.headers['x-amz-content-sha256'] ?? '');
    if (payloadSha256 !== sha256Hex(body)) return fail(400, 'XAmzContentSHA256Mismatch');
    const expected = signS3Request({
      method: req.method ?? '',
      path,
      headers: {
        host: String(req.headers.host),
        'x-amz-content-sha256': payloadSha256,
        'x-amz-date': String(req.headers['x-amz-date'] ?? ''),
      },
      payloadSha256,
      credentials: options.credentials,
    });
    if (req.headers.authorization !== expected) return fail(403, 'SignatureDoesNotMatch');
    const prefix = `/${options.bucket}/`;
    if (!path.startsWith(prefix)) return fail(404, 'NoSuchBucket');
    const key = path.slice(prefix.length);
    if (req.method === 'PUT') {
      objects.set(key, body);
      res.writeHead(200, { etag: `"${sha256Hex(body).slice(0, 32)}"` });
      return res.end();
    }
    const object = objects.get(key);
    if (req.method === 'GET') {
      if (!object) return fail(404, 'NoSuchKey');
      // `Range: bytes=first-last` as S3 answers it: 206 with that slice.
      const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
      const first = range ? Number(range[1]) : 0;
      const last = range ? Math.min(Number(range[2]), object.length - 1) : object.length - 1;
      const slice = object.subarray(first, last + 1);
      res.writeHead(range ? 206 : 200, {
        'content-type': 'application/octet-stream',
        'content-length': String(slice.length),
        ...(range ? { 'content-range': `bytes ${first}-${last}/${object.length}` } : {}),
      });
      ranged += range ? 1 : 0;
      return res.end(slice);
    }
    if (req.method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204);
      return res.end();
    }
    return fail(405, 'MethodNotAllowed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    objects,
    rangedGets: () => ranged,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
