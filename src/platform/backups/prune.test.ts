import { describe, expect, it } from 'vitest';
import { backupName } from './backup.js';
import { selectBackupsToKeep } from './prune.js';

const at = (iso: string) => backupName(new Date(iso));

describe('backup rotation', () => {
  // Two backups a day from Monday 2026-11-02 to Sunday 2026-11-29 (four weeks).
  const names: string[] = [];
  for (let day = 2; day <= 29; day++) {
    const date = `2026-11-${String(day).padStart(2, '0')}`;
    names.push(at(`${date}T01:00:00Z`), at(`${date}T13:00:00Z`));
  }

  it('keeps the newest backup of each of the last N days', () => {
    const keep = selectBackupsToKeep(names, { daily: 3, weekly: 0 });
    expect([...keep].sort()).toEqual([
      at('2026-11-27T13:00:00Z'),
      at('2026-11-28T13:00:00Z'),
      at('2026-11-29T13:00:00Z'),
    ]);
  });

  it('keeps the newest backup of each of the last M weeks (Monday to Sunday, UTC)', () => {
    const keep = selectBackupsToKeep(names, { daily: 0, weekly: 3 });
    expect([...keep].sort()).toEqual([
      at('2026-11-15T13:00:00Z'),
      at('2026-11-22T13:00:00Z'),
      at('2026-11-29T13:00:00Z'),
    ]);
  });

  it('keeps the union of both, and ignores files it did not name', () => {
    const keep = selectBackupsToKeep([...names, 'my-manual-copy'], { daily: 2, weekly: 2 });
    expect([...keep].sort()).toEqual([
      at('2026-11-22T13:00:00Z'),
      at('2026-11-28T13:00:00Z'),
      at('2026-11-29T13:00:00Z'),
    ]);
    expect(keep.has('my-manual-copy')).toBe(false);
  });
});
