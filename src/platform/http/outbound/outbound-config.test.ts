import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFindings } from '../../../cli/doctor.js';
import { configuredSecrets } from '../../config/config.js';
import { loadConfig } from '../../config/load.js';

const BASE = {
  DATA_DIR: path.join(tmpdir(), 'leadline-outbound-unused'),
  SECRET_KEY: 'k7Qp2xVb9LmZ4rTw8YcN1sHd6FgJ3uEa',
  LOG_LEVEL: 'info',
};

const load = (env: Record<string, string>) => loadConfig({ ...BASE, ...env }, { dotenvPath: false });
const guardFinding = (env: Record<string, string>) =>
  configFindings(load(env)).find((finding) => finding.check === 'outbound SSRF guard');

describe('OUTBOUND_ALLOW_PRIVATE_HOSTS', () => {
  it('parses a comma list of host:port, lower-cased', () => {
    expect(
      load({ OUTBOUND_ALLOW_PRIVATE_HOSTS: ' 127.0.0.1:8080, Fake.Local:443 ' }).outbound.allowPrivateHosts,
    ).toEqual(['127.0.0.1:8080', 'fake.local:443']);
    expect(load({}).outbound.allowPrivateHosts).toEqual([]);
  });

  it('rejects entries without a port', () => {
    expect(() => load({ OUTBOUND_ALLOW_PRIVATE_HOSTS: '10.0.0.1' })).toThrow(/OUTBOUND_ALLOW_PRIVATE_HOSTS/);
  });

  it('makes `leadline doctor` fail in production, and only there', () => {
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://leads.example.com',
      OUTBOUND_ALLOW_PRIVATE_HOSTS: '127.0.0.1:9000',
    };
    expect(guardFinding(production)?.verdict).toBe('fail');
    expect(guardFinding({ ...production, OUTBOUND_ALLOW_PRIVATE_HOSTS: '' })?.verdict).toBe('ok');
    expect(
      guardFinding({ NODE_ENV: 'development', OUTBOUND_ALLOW_PRIVATE_HOSTS: '127.0.0.1:9000' })?.verdict,
    ).toBe('ok');
  });

  it('puts media under DATA_DIR/blobs unless BLOB_DIR says otherwise', () => {
    expect(load({}).media.blobDir).toBe(path.resolve(BASE.DATA_DIR, 'blobs'));
    expect(load({ BLOB_DIR: '/srv/blobs' }).media.blobDir).toBe('/srv/blobs');
    expect(load({}).media.maxBytes).toBe(100 * 1024 * 1024);
  });

  it('reads BLOB_S3_URL into endpoint, bucket, region and credentials, and treats its secret as one', () => {
    const config = load({
      BLOB_S3_URL: 'https://AKIDEXAMPLE:s3cr%2Ft-key@minio.internal:9000/leadline-media?region=eu-central-1',
    });
    expect(config.media.s3).toEqual({
      endpoint: 'https://minio.internal:9000',
      bucket: 'leadline-media',
      region: 'eu-central-1',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 's3cr/t-key',
    });
    expect(configuredSecrets(config)).toContain('s3cr/t-key');
    expect(load({}).media.s3).toBeUndefined();
    expect(() => load({ BLOB_S3_URL: 'https://minio.internal/leadline-media' })).toThrow(/BLOB_S3_URL/);
  });
});
