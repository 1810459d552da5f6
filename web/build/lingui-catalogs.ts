import { readFile } from 'node:fs/promises';
import { compileMessage } from '@lingui/message-utils/compileMessage';
import type { Plugin } from 'vite';

const SUFFIX = '?lingui';
/**
 * A virtual module id, ending in `.js`: Vite's own JSON handling must not see (and re-parse) the compiled
 * JavaScript.
 */
const VIRTUAL = '\0lingui-catalog:';
const JS = '.js';

/**
 * Compiles a catalog at build time (ADR 0045): `import messages from './catalogs/it/main.json?lingui'`
 * gives `{ key: compiled }`, each ICU message turned into Lingui's compiled form (plain strings stay
 * strings), so the browser needs no ICU parser. A message that does not parse fails the build.
 */
export function linguiCatalogs(): Plugin {
  return {
    name: 'leadline-lingui-catalogs',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!source.endsWith(SUFFIX)) return null;
      const resolved = await this.resolve(source.slice(0, -SUFFIX.length), importer, { skipSelf: true });
      return resolved ? `${VIRTUAL}${resolved.id}${JS}` : null;
    },
    async load(id) {
      if (!id.startsWith(VIRTUAL)) return null;
      const file = id.slice(VIRTUAL.length, -JS.length);
      this.addWatchFile(file);
      return `export default ${JSON.stringify(compileCatalog(JSON.parse(await readFile(file, 'utf8')), file))};`;
    },
  };
}

export function compileCatalog(catalog: Record<string, string>, file: string): Record<string, unknown> {
  const compiled: Record<string, unknown> = {};
  for (const [key, message] of Object.entries(catalog)) {
    try {
      compiled[key] = compileMessage(message);
    } catch (error) {
      throw new Error(`${file}: ${key}: ${(error as Error).message}`);
    }
  }
  return compiled;
}
