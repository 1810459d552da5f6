// `npm start` runs this before the server: it builds only when the sources changed since the last build,
// so a second start skips tsc and Vite. Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What the build reads: the server's and the page's sources and the build's own settings. */
const INPUTS = [
  'src',
  'web',
  'widget',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build-if-stale.mjs',
];
/** What the build writes that start needs; a missing one means build again. */
const OUTPUTS = ['dist/cli/main.js', 'dist/web/index.html', 'dist/widget/widget.js'];
const STAMP = path.join(root, 'dist', '.build-stamp');

/** Every file under the inputs (directories walked), by path relative to the repository. */
function inputFiles() {
  const paths = [];
  for (const input of INPUTS) {
    const full = path.join(root, input);
    if (!existsSync(full)) continue;
    if (!statSync(full).isDirectory()) {
      paths.push(input);
      continue;
    }
    for (const entry of readdirSync(full, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) paths.push(path.relative(root, path.join(entry.parentPath, entry.name)));
    }
  }
  return paths.filter((name) => !name.endsWith('.test.ts')).sort();
}

/** A digest of every input's path and content: touched-but-unchanged files do not force a build. */
function sourceDigest() {
  const hash = createHash('sha256');
  for (const file of inputFiles()) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

const started = performance.now();
const digest = sourceDigest();
const current =
  OUTPUTS.every((output) => existsSync(path.join(root, output))) &&
  existsSync(STAMP) &&
  readFileSync(STAMP, 'utf8').trim() === digest;
if (current) {
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`dist/ is current (sources unchanged, checked in ${ms} ms): no build\n`);
} else {
  process.stdout.write('building (sources changed since the last build)...\n');
  // A production build of the page whatever NODE_ENV the shell has (development would not minify it).
  const build = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  writeFileSync(STAMP, `${digest}\n`);
}
