import { describe, expect, it } from 'vitest';
import { deviceTokenToSet, newDeviceToken, trustedDeviceId } from './trusted-device.js';

const KEY = 'unit-test-secret-key-0123456789abcdef';
const USER = '6f1c2a4e-1b2c-4d3e-8f90-0a1b2c3d4e5f';
const OTHER = '7a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d';

describe('trusted device tokens', () => {
  it('recognise a token issued to the same user under the same key', () => {
    const token = newDeviceToken(KEY, USER);
    expect(trustedDeviceId(KEY, USER, token)).toBe(token.split('.')[0]);
  });

  it('refuse another user’s token, another key’s, a forged signature and malformed values', () => {
    const token = newDeviceToken(KEY, USER);
    const [id] = token.split('.');
    expect(trustedDeviceId(KEY, OTHER, token)).toBeNull();
    expect(trustedDeviceId(`${KEY}-rotated`, USER, token)).toBeNull();
    expect(trustedDeviceId(KEY, USER, `${id}.forged`)).toBeNull();
    for (const bad of [undefined, '', id, `${token}.extra`, 'x'.repeat(500)]) {
      expect(trustedDeviceId(KEY, USER, bad)).toBeNull();
    }
  });

  it('issue a new token only when the browser has none for this user', () => {
    const token = newDeviceToken(KEY, USER);
    expect(deviceTokenToSet(KEY, USER, token)).toBeNull();
    expect(deviceTokenToSet(KEY, OTHER, token)).not.toBeNull();
    expect(deviceTokenToSet(KEY, USER, undefined)).not.toBeNull();
  });
});
