import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { resultFree } from '../db/deferred-begin.js';
import type { Database } from '../db/schema.js';
import { dataKeys, type WorkspaceKeys } from './data-keys.js';
import {
  type EncryptedField,
  EnvelopeError,
  envelopeToText,
  isEnvelope,
  isSealedText,
  openBytes,
  readHeader,
  sealBytes,
  textToEnvelope,
} from './envelope.js';

/**
 * The one mechanism every reader and writer of an encrypted column goes through (ADR 0036).
 *
 * Writing: a repository seals the value with `sealText` / `sealBuffer` in its tenant transaction.
 * Reading: every tenant transaction (`withTenant`) carries `FieldCodecPlugin`, which opens each sealed value
 * in every result row — whatever the query, alias or join — with the transaction's own workspace's keys, so
 * a value of another workspace, or a tampered one, fails the query instead of being shown. Legacy
 * plaintext (written before encryption, until the re-encryption job reaches it) passes through unchanged.
 */
interface CodecState {
  readonly tenantId: string;
  keys: WorkspaceKeys | undefined;
  /** Loads keys outside the transaction: a result is being transformed while the connection is busy. */
  readonly loadOutside: (tenantId: string) => Promise<WorkspaceKeys>;
  readonly executor: Kysely<Database>;
}

const states = new WeakMap<object, CodecState>();

function keyOf(state: CodecState, version: number): Buffer | undefined {
  return state.keys?.keys.get(version);
}

async function keyFor(state: CodecState, version: number): Promise<Buffer> {
  let key = keyOf(state, version);
  if (!key) {
    // Sealed under a version made after this transaction's keys were loaded (a rotation elsewhere).
    state.keys = await state.loadOutside(state.tenantId);
    key = keyOf(state, version);
  }
  if (!key)
    throw new EnvelopeError(`no data key of version ${version} for this workspace (retired or destroyed)`);
  return key;
}

async function openValue(state: CodecState, value: unknown): Promise<unknown> {
  if (typeof value === 'string' && isSealedText(value)) {
    const envelope = textToEnvelope(value);
    const key = await keyFor(state, readHeader(envelope).keyVersion);
    return openBytes(key, state.tenantId, envelope).toString('utf8');
  }
  if (Buffer.isBuffer(value) && isEnvelope(value)) {
    const key = await keyFor(state, readHeader(value).keyVersion);
    return openBytes(key, state.tenantId, value);
  }
  if (isJsonContainer(value)) {
    // A sealed column built into a JSON value by the query (jsonb_build_object(..., m.text)): open its leaves.
    if (Array.isArray(value)) return Promise.all(value.map((item) => openValue(state, item)));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = await openValue(state, item);
    return copy;
  }
  return value;
}

function isJsonContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Buffer.isBuffer(value) &&
    !(value instanceof Date) &&
    (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)
  );
}

function mayHoldSealed(value: unknown): boolean {
  if (typeof value === 'string') return isSealedText(value);
  if (Buffer.isBuffer(value)) return isEnvelope(value);
  if (isJsonContainer(value)) {
    return Array.isArray(value) ? value.some(mayHoldSealed) : Object.values(value).some(mayHoldSealed);
  }
  return false;
}

export class FieldCodecPlugin implements KyselyPlugin {
  constructor(private readonly state: CodecState) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const { rows } = args.result;
    if (!rows.some((row) => Object.values(row).some(mayHoldSealed))) return args.result;
    const opened: UnknownRow[] = [];
    for (const row of rows) {
      if (!Object.values(row).some(mayHoldSealed)) {
        opened.push(row);
        continue;
      }
      const copy: UnknownRow = {};
      for (const [column, value] of Object.entries(row)) copy[column] = await openValue(this.state, value);
      opened.push(copy);
    }
    return { ...args.result, rows: opened };
  }
}

/**
 * A tenant transaction with the codec: keys are loaded (or taken from the cache) before any of the
 * transaction's results need them, since a result cannot run a query on its own busy connection.
 */
export async function withFieldCodec<T extends Kysely<Database>>(
  trx: T,
  tenantId: string,
  loadOutside: (tenantId: string) => Promise<WorkspaceKeys>,
): Promise<T> {
  const keys = dataKeys();
  const state: CodecState = {
    tenantId,
    keys: keys.cached(tenantId) ?? (await keys.load(trx, tenantId)),
    loadOutside,
    executor: trx,
  };
  const coded = trx.withPlugin(new FieldCodecPlugin(state)) as T;
  states.set(coded, state);
  return coded;
}

function stateOf(trx: object): CodecState {
  const state = states.get(trx);
  if (!state) throw new Error('sealing needs the tenant transaction of withTenant');
  return state;
}

async function currentKey(state: CodecState): Promise<{ version: number; key: Buffer }> {
  let version = state.keys?.current;
  if (version === undefined) {
    state.keys = await dataKeys().ensureCurrent(state.executor, state.tenantId);
    version = state.keys.current as number;
  }
  return { version, key: state.keys?.keys.get(version) as Buffer };
}

/** Seals bytes for `field` under the workspace's current data key. */
export async function sealBuffer(trx: object, field: EncryptedField, plaintext: Uint8Array): Promise<Buffer> {
  const state = stateOf(trx);
  const { version, key } = await currentKey(state);
  return sealBytes(key, { tenantId: state.tenantId, field, keyVersion: version }, plaintext);
}

/** Seals text for a text column of `field`. */
export async function sealText(trx: object, field: EncryptedField, plaintext: string): Promise<string> {
  return envelopeToText(await sealBuffer(trx, field, Buffer.from(plaintext, 'utf8')));
}

export async function sealTextOrNull(
  trx: object,
  field: EncryptedField,
  plaintext: string | null,
): Promise<string | null> {
  return plaintext === null ? null : sealText(trx, field, plaintext);
}

/**
 * Opens a value read outside a tenant transaction (an owner connection: export, erasure search), with the
 * workspace's keys given; checks the field too.
 */
export function openWith(
  keys: WorkspaceKeys,
  field: EncryptedField,
  value: string | Buffer,
  binding?: string,
): string | Buffer {
  if (typeof value === 'string') {
    if (!isSealedText(value)) return value;
    const envelope = textToEnvelope(value);
    return openBytes(keyIn(keys, field, envelope), keys.tenantId, envelope, binding).toString('utf8');
  }
  if (!isEnvelope(value)) return value;
  return openBytes(keyIn(keys, field, value), keys.tenantId, value, binding);
}

function keyIn(keys: WorkspaceKeys, field: EncryptedField, envelope: Buffer): Buffer {
  const header = readHeader(envelope);
  if (header.field !== field) throw new EnvelopeError(`encrypted value of ${header.field}, not of ${field}`);
  const key = keys.keys.get(header.keyVersion);
  if (!key) throw new EnvelopeError(`no data key of version ${header.keyVersion} for this workspace`);
  return key;
}

/** The key version a stored value is sealed with; undefined for legacy plaintext. */
export function sealedVersion(value: string | Buffer | null): number | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string')
    return isSealedText(value) ? readHeader(textToEnvelope(value)).keyVersion : undefined;
  return isEnvelope(value) ? readHeader(value).keyVersion : undefined;
}

/** Runs `work` in a transaction of its own bound to the workspace (row-level security), without the codec. */
function inWorkspace<T>(db: Kysely<Database>, tenantId: string, work: (trx: Kysely<Database>) => Promise<T>) {
  return db.transaction().execute(async (trx) => {
    await resultFree(`select set_config('app.tenant_id', '${tenantId}', true)`).execute(trx);
    return work(trx);
  });
}

/** The workspace's keys read on a connection of their own (not inside a busy transaction). */
export function loadKeysOutside(db: Kysely<Database>, tenantId: string): Promise<WorkspaceKeys> {
  return inWorkspace(db, tenantId, (trx) => dataKeys().load(trx, tenantId));
}

/**
 * Seals values for a workspace outside its transactions (the webhook's batched insert, the blob store):
 * from the cache, or with one short transaction of its own when the cache has no current key.
 */
export async function sealBuffersOutside(
  db: Kysely<Database>,
  tenantId: string,
  field: EncryptedField,
  plaintexts: readonly Uint8Array[],
  binding?: string,
): Promise<Buffer[]> {
  let loaded = dataKeys().cached(tenantId);
  if (loaded?.current === undefined) loaded = await ensureOutside(db, tenantId);
  const version = loaded.current as number;
  const key = loaded.keys.get(version) as Buffer;
  const context = { tenantId, field, keyVersion: version, ...(binding === undefined ? {} : { binding }) };
  return plaintexts.map((plaintext) => sealBytes(key, context, plaintext));
}

const ensuring = new Map<string, Promise<WorkspaceKeys>>();

/** One load per workspace at a time: a burst of webhooks after a cache expiry waits for the same one. */
function ensureOutside(db: Kysely<Database>, tenantId: string): Promise<WorkspaceKeys> {
  const pending = ensuring.get(tenantId);
  if (pending) return pending;
  const keys = dataKeys();
  const loading = inWorkspace(db, tenantId, (trx) => keys.ensureCurrent(trx, tenantId)).finally(() =>
    ensuring.delete(tenantId),
  );
  ensuring.set(tenantId, loading);
  return loading;
}

/** Opens a value read outside the workspace's transactions (the blob store), checking its field. */
export async function openOutside(
  db: Kysely<Database>,
  tenantId: string,
  field: EncryptedField,
  value: Buffer,
  binding?: string,
): Promise<Buffer> {
  if (!isEnvelope(value)) return value;
  const version = readHeader(value).keyVersion;
  let loaded = dataKeys().cached(tenantId);
  if (!loaded?.keys.has(version)) loaded = await loadKeysOutside(db, tenantId);
  return openWith(loaded, field, value, binding) as Buffer;
}

/** Opens any stored value with the workspace's keys (the envelope names its field); plaintext as it is. */
export function openStored(keys: WorkspaceKeys, value: unknown): unknown {
  if (typeof value === 'string' && isSealedText(value)) {
    const envelope = textToEnvelope(value);
    return openWith(keys, readHeader(envelope).field, value);
  }
  if (Buffer.isBuffer(value) && isEnvelope(value)) return openWith(keys, readHeader(value).field, value);
  return value;
}

/**
 * A jsonb column sealed as a JSON string (the receipts' raw parts): the codec opened it to its JSON text,
 * parsed here; a legacy row holds the JSON value itself.
 */
export function openedJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/**
 * Opens a value that reached the transaction's code still sealed (nested in a JSON row, as `to_jsonb(t)`
 * returns it: the contact export), with the transaction's keys; anything else is returned as it is.
 */
export async function openInTransaction(trx: object, value: unknown): Promise<unknown> {
  return openValue(stateOf(trx), value);
}
