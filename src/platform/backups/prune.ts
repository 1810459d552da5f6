import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVE_SUFFIX, MANIFEST_SUFFIX } from './backup.js';

const NAME = /^leadline-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Monday-based ISO week start (UTC) of a day, as yyyy-mm-dd: the bucket of a weekly backup. */
function weekOf(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
}

/**
 * Which backups a daily/weekly rotation keeps: the newest backup of each of the `daily` most recent days
 * that have one, and of each of the `weekly` most recent weeks. Names not made by `leadline backup` are
 * never selected for deletion.
 */
export function selectBackupsToKeep(
  names: readonly string[],
  policy: { daily: number; weekly: number },
): Set<string> {
  const dated = names
    .map((name) => ({ name, match: NAME.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ name, match }) => {
      const [, y, mo, d, h, mi, s] = match.map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      return { name, at: new Date(Date.UTC(y, mo - 1, d, h, mi, s)) };
    })
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  const keep = new Set<string>();
  const keepNewestPer = (bucket: (at: Date) => string, count: number) => {
    const seen = new Set<string>();
    for (const { name, at } of dated) {
      const key = bucket(at);
      if (seen.has(key)) continue;
      if (seen.size >= count) break;
      seen.add(key);
      keep.add(name);
    }
  };
  keepNewestPer((at) => at.toISOString().slice(0, 10), policy.daily);
  keepNewestPer(weekOf, policy.weekly);
  return keep;
}

/** Deletes the archives (and manifests) the rotation does not keep. */
export async function pruneBackups(
  directory: string,
  policy: { daily: number; weekly: number },
): Promise<{ kept: string[]; deleted: string[] }> {
  const names = (await readdir(directory))
    .filter((file) => file.endsWith(ARCHIVE_SUFFIX))
    .map((file) => file.slice(0, -ARCHIVE_SUFFIX.length));
  const keep = selectBackupsToKeep(names, policy);
  const deleted = names.filter((name) => NAME.test(name) && !keep.has(name));
  for (const name of deleted) {
    await rm(path.join(directory, `${name}${ARCHIVE_SUFFIX}`), { force: true });
    await rm(path.join(directory, `${name}${MANIFEST_SUFFIX}`), { force: true });
  }
  return { kept: names.filter((name) => !deleted.includes(name)), deleted };
}
