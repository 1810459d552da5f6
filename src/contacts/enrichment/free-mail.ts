import { createRequire } from 'node:module';

/** ~100k domains (2 MB of code): loaded on first use, so processes that never enrich never pay for it. */
let domains: ReadonlySet<string> | undefined;
function freeMailDomains(): ReadonlySet<string> {
  domains ??= (createRequire(import.meta.url)('free-email-domains-list') as { DOMAINS: ReadonlySet<string> })
    .DOMAINS;
  return domains;
}

/**
 * True for the domains of free and consumer mail providers (gmail.com, libero.it, uol.com.br, ...): a
 * lead's address there says nothing about their company, so it is never sent to the provider. The list
 * is the maintained `free-email-domains-list` package; subdomains of a listed domain count too.
 */
export function isFreeMailDomain(domain: string): boolean {
  const labels = domain.toLowerCase().split('.');
  for (let index = 0; index < labels.length - 1; index += 1) {
    if (freeMailDomains().has(labels.slice(index).join('.'))) return true;
  }
  return false;
}

/** The domain of a canonical e-mail address, or undefined. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  return at > 0 ? email.slice(at + 1) : undefined;
}
