import { describe, expect, it } from 'vitest';
import { blockedOrigin } from './csp-reports.routes.js';

describe('blockedOrigin (V16.2.5: CSP reports logged without paths or queries)', () => {
  it('keeps only the origin of a URL', () => {
    expect(blockedOrigin('https://evil.example:8443/a/b?token=secret#x')).toBe('https://evil.example:8443');
  });

  it('keeps CSP keywords such as inline and eval', () => {
    expect(blockedOrigin('inline')).toBe('inline');
    expect(blockedOrigin('eval')).toBe('eval');
  });

  it('reduces opaque URLs to their scheme', () => {
    expect(blockedOrigin('data:text/html;base64,PHNjcmlwdD4=')).toBe('data:');
  });

  it('labels missing and unparseable values instead of logging them', () => {
    expect(blockedOrigin(undefined)).toBe('none');
    expect(blockedOrigin('not a url\nforged log line')).toBe('unparseable');
  });
});
