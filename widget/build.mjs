// Builds the call-me-back widget into dist/widget/widget.js (one IIFE, no external requests) and
// refuses a bundle over the 20 KB gzipped budget.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'dist/widget/widget.js');
mkdirSync(path.dirname(outfile), { recursive: true });
await build({
  entryPoints: [path.join(root, 'widget/widget.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  platform: 'browser',
  outfile,
  legalComments: 'none',
});
const size = gzipSync(readFileSync(outfile), { level: 9 }).length;
const budget = 20 * 1024;
console.log(`dist/widget/widget.js: ${size} bytes gzipped (budget ${budget})`);
if (size > budget) {
  console.error('the widget is over its 20 KB gzipped budget');
  process.exit(1);
}
