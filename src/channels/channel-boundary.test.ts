import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..');

/**
 * Only the composition root wires concrete channels in; the database's type map names their tables.
 * Everything else reaches a channel through src/channels/channel-adapter.ts and src/channels/registry.ts.
 */
const COMPOSITION_ROOT = new Set(['app.ts', 'server.ts', 'tasks.ts', 'cli/main.ts', 'platform/db/schema.ts']);

/** `from '…/channels/<provider>/…'` and `import('…/channels/<provider>/…')`, static or dynamic. */
const CHANNEL_IMPORT = /(?:from\s*|import\s*\(\s*|import\s+)['"]([^'"]*\/channels\/[^'"/]+\/[^'"]*)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function channelImportsOutsideChannels(files: readonly string[], read: (file: string) => string) {
  return files.flatMap((file) => {
    const name = relative(SRC, file).replaceAll('\\', '/');
    if (name.startsWith('channels/') || COMPOSITION_ROOT.has(name)) return [];
    return [...read(file).matchAll(CHANNEL_IMPORT)].map((match) => `${name} imports ${match[1]}`);
  });
}

describe('the channel boundary', () => {
  it('no module outside src/channels/ but the composition root imports a channel', () => {
    const offenders = channelImportsOutsideChannels(sourceFiles(SRC), (file) => readFileSync(file, 'utf8'));
    expect(offenders).toEqual([]);
  });

  it('the check catches static, type-only and dynamic imports of a channel', () => {
    const file = join(SRC, 'conversations', 'example.ts');
    const source = [
      "import { sendMessageTask } from '../channels/whatsapp/task-refs.js';",
      "import type { TwilioNumber } from '../channels/twilio/twilio.table.js';",
      "const sms = await import('../channels/twilio/sms.js');",
      "import { channelAdapter } from '../channels/registry.js';",
    ].join('\n');
    expect(channelImportsOutsideChannels([file], () => source)).toEqual([
      'conversations/example.ts imports ../channels/whatsapp/task-refs.js',
      'conversations/example.ts imports ../channels/twilio/twilio.table.js',
      'conversations/example.ts imports ../channels/twilio/sms.js',
    ]);
  });
});
