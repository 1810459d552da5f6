import { readFileSync } from 'node:fs';

/** The package version; this file sits one folder below the package root in both src/ and dist/. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
