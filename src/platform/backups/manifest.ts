import { z } from 'zod';

export const ZTableShape = z.object({
  name: z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/),
  columns: z.array(z.string().min(1)),
  orderBy: z.array(z.object({ column: z.string().min(1), collatable: z.boolean() })),
});

/** First frame of an archive: what to restore, before any row. */
export const ZArchiveHeader = z.object({
  format: z.literal(1),
  name: z.string(),
  createdAt: z.string(),
  migrations: z.array(z.string()),
  workerMigration: z.number().int().nullable(),
  tables: z.array(ZTableShape),
});
export type TArchiveHeader = z.infer<typeof ZArchiveHeader>;

export const ZBlobStart = z.object({
  key: z.string().regex(/^[0-9a-f-]{36}\/[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
});

export const ZTableEnd = z.object({
  rows: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const ZSequenceValues = z.array(
  z.object({ name: z.string(), lastValue: z.string().regex(/^-?[0-9]+$/), isCalled: z.boolean() }),
);

/** What a backup holds, taken in the same snapshot as its rows: verification compares a restore with it. */
export const ZManifest = z.object({
  format: z.literal(1),
  name: z.string(),
  createdAt: z.string(),
  leadlineVersion: z.string(),
  serverVersion: z.string(),
  migrations: z.array(z.string()),
  workerMigration: z.number().int().nullable(),
  tables: z.array(z.object({ name: z.string(), rows: z.number().int().min(0), sha256: z.string() })),
  totalRows: z.number().int().min(0),
  /** Media blobs referenced by stored media rows; absent when the backup was taken without a blob store. */
  blobs: z
    .object({
      count: z.number().int().min(0),
      bytes: z.number().int().min(0),
      missing: z.number().int().min(0),
    })
    .optional(),
});
export type TManifest = z.infer<typeof ZManifest>;

/** The manifest file written beside the archive: the same manifest, plus the archive's own size and hash. */
export const ZManifestFile = ZManifest.extend({
  archive: z.object({ file: z.string(), bytes: z.number().int(), sha256: z.string() }),
});
export type TManifestFile = z.infer<typeof ZManifestFile>;
