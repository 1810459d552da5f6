import { describe, expect, it } from 'vitest';
import { emailDomain, isFreeMailDomain } from './free-mail.js';

describe('free mail domains', () => {
  it('knows the big consumer providers of the markets we serve', () => {
    for (const domain of ['gmail.com', 'libero.it', 'uol.com.br', 'hotmail.com', 'yahoo.com.br', 'GMX.de']) {
      expect(isFreeMailDomain(domain), domain).toBe(true);
    }
  });

  it('counts subdomains of a listed domain, and lets company domains through', () => {
    expect(isFreeMailDomain('mail.libero.it')).toBe(true);
    expect(isFreeMailDomain('acme-srl.it')).toBe(false);
    expect(isFreeMailDomain('stripe.com')).toBe(false);
  });

  it('reads the domain of an address', () => {
    expect(emailDomain('anna@acme-srl.it')).toBe('acme-srl.it');
    expect(emailDomain('nobody')).toBeUndefined();
  });
});
