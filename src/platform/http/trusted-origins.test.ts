import { describe, expect, it } from 'vitest';
import { trustedOrigins } from './trusted-origins.js';

const config = (
  env: 'development' | 'production' | 'test',
  publicUrl: string,
  corsOrigins: string[] = [],
) => ({
  env,
  corsOrigins,
  http: { publicUrl } as never,
});

describe('trusted origins', () => {
  it('trusts every loopback spelling of a loopback PUBLIC_URL outside production', () => {
    expect(trustedOrigins(config('development', 'http://127.0.0.1:3000')).sort()).toEqual(
      ['http://127.0.0.1:3000', 'http://[::1]:3000', 'http://localhost:3000'].sort(),
    );
    expect(trustedOrigins(config('development', 'http://localhost:3000'))).toContain('http://127.0.0.1:3000');
  });

  it('keeps the port and scheme: another port on the same machine is another origin', () => {
    const origins = trustedOrigins(config('development', 'http://127.0.0.1:3000'));
    expect(origins).not.toContain('http://localhost:3001');
    expect(origins).not.toContain('https://localhost:3000');
  });

  it('adds nothing in production or for a public host', () => {
    expect(trustedOrigins(config('production', 'http://127.0.0.1:3000'))).toEqual(['http://127.0.0.1:3000']);
    expect(
      trustedOrigins(config('development', 'https://inbox.example.com', ['https://a.example.com'])),
    ).toEqual(['https://inbox.example.com', 'https://a.example.com']);
  });
});
