/**
 * Where a CSV column can go. Built-in targets are contact columns; other domains (custom fields, consent
 * columns) add theirs through `registerImportTargetProvider`: their values are staged as text under the
 * target's key and handed to the provider's `apply` after each chunk's merge, in the same transaction.
 */
export interface ImportTarget {
  /** Stable key, used in saved mappings (`firstName`, `custom:vat_number`, `consent:whatsapp`). */
  readonly key: string;
  readonly label: string;
  /** Lower-case header names (any language) that suggest this target. */
  readonly synonyms: readonly string[];
}

export const BUILT_IN_TARGETS = [
  {
    key: 'phone',
    label: 'Phone',
    synonyms: [
      'phone',
      'phone number',
      'phonenumber',
      'mobile',
      'mobile phone',
      'cell',
      'cell phone',
      'whatsapp',
      'tel',
      'telephone',
      'telefono',
      'cellulare',
      'numero',
      'numero di telefono',
      'cell.',
      'tel.',
      'telefone',
      'celular',
      'whatsapp number',
      'número',
      'telemóvel',
      'telemovel',
      'móvil',
      'movil',
      'teléfono',
    ],
  },
  {
    key: 'firstName',
    label: 'First name',
    synonyms: [
      'first name',
      'firstname',
      'given name',
      'forename',
      'nome',
      'primeiro nome',
      'nombre',
      'prenom',
      'prénom',
    ],
  },
  {
    key: 'lastName',
    label: 'Last name',
    synonyms: [
      'last name',
      'lastname',
      'surname',
      'family name',
      'cognome',
      'sobrenome',
      'apellido',
      'apellidos',
      'apelido',
      'nom',
    ],
  },
  {
    key: 'fullName',
    label: 'Full name',
    synonyms: [
      'name',
      'full name',
      'fullname',
      'contact',
      'contact name',
      'nome completo',
      'nominativo',
      'nombre completo',
    ],
  },
  {
    key: 'email',
    label: 'E-mail',
    synonyms: [
      'email',
      'e-mail',
      'mail',
      'email address',
      'e-mail address',
      'indirizzo email',
      'posta elettronica',
      'correo',
      'correo electrónico',
      'correo electronico',
      'endereço de e-mail',
    ],
  },
  {
    key: 'company',
    label: 'Company',
    synonyms: [
      'company',
      'company name',
      'companyname',
      'organization',
      'organisation',
      'business',
      'azienda',
      'ragione sociale',
      'società',
      'societa',
      'empresa',
      'razão social',
      'razao social',
      'compañía',
      'compania',
      'organización',
    ],
  },
] as const satisfies readonly ImportTarget[];

export type BuiltInTargetKey = (typeof BUILT_IN_TARGETS)[number]['key'];

/** Runs one SQL statement in the caller's tenant-bound transaction (a Kysely transaction or a pg client). */
export type SqlRunner = (text: string, params?: readonly unknown[]) => Promise<Record<string, unknown>[]>;

/** A provider target's cell after checking: its typed value as staged, or why the row is refused. */
export type StagedValue = string | number | boolean;
export type CellCheck = { value: StagedValue } | { reject: string };
export type DedupePolicyName = 'skip' | 'fill' | 'overwrite';

/**
 * Extra targets from another domain (custom fields, consent), applied after each chunk's merge. The merge
 * leaves two transaction-local tables for `apply`: `import_stage (line, extra jsonb, ...)` (the staged
 * values by target key) and `import_outcome (line, contact_id, action)` with action `create`, `update`
 * (the policy allows changing the contact) or `unchanged` (policy skip); duplicates and rejects are absent.
 */
export interface ImportTargetProvider {
  /** The key prefix of this provider's targets, e.g. `custom:`. */
  readonly prefix: string;
  /** The workspace's targets of this provider. */
  targets(run: SqlRunner): Promise<readonly ImportTarget[]>;
  /** Once per import: a checker of cells for the mapped keys (typed validation, normalisation). */
  prepare(run: SqlRunner, keys: readonly string[]): Promise<(key: string, raw: string) => CellCheck>;
  /** Set-based, after each chunk's merge; returns how many `unchanged` contacts it changed (recorded for undo). */
  apply(run: SqlRunner, importId: string, policy: DedupePolicyName): Promise<number>;
}

const providers: ImportTargetProvider[] = [];

export function registerImportTargetProvider(provider: ImportTargetProvider): void {
  if (!providers.some((known) => known.prefix === provider.prefix)) providers.push(provider);
}

export async function importTargets(run: SqlRunner): Promise<readonly ImportTarget[]> {
  const extra: (readonly ImportTarget[])[] = [];
  for (const provider of providers) extra.push(await provider.targets(run));
  return [...BUILT_IN_TARGETS, ...extra.flat()];
}

function providerOf(key: string): ImportTargetProvider | undefined {
  return providers.find((provider) => key.startsWith(provider.prefix));
}

/** One checker for every provider key of a mapping (a key no provider knows any more refuses its cells). */
export async function prepareTargets(
  run: SqlRunner,
  keys: readonly string[],
): Promise<(key: string, raw: string) => CellCheck> {
  const checkers = new Map<string, (key: string, raw: string) => CellCheck>();
  for (const provider of providers) {
    const own = keys.filter((key) => key.startsWith(provider.prefix));
    if (own.length > 0) checkers.set(provider.prefix, await provider.prepare(run, own));
  }
  return (key, raw) => {
    const provider = providerOf(key);
    const check = provider && checkers.get(provider.prefix);
    return check ? check(key, raw) : { reject: "the column's target no longer exists" };
  };
}

/** Runs the apply of every provider that has keys in the mapping; the number of extra updated contacts. */
export async function applyTargets(
  run: SqlRunner,
  keys: readonly string[],
  importId: string,
  policy: DedupePolicyName,
): Promise<number> {
  let changed = 0;
  for (const provider of providers) {
    if (keys.some((key) => key.startsWith(provider.prefix)))
      changed += await provider.apply(run, importId, policy);
  }
  return changed;
}

const YES = new Set([
  'yes',
  'y',
  'true',
  '1',
  'si',
  'sim',
  'x',
  'ok',
  'vero',
  'verdadero',
  'verdadeiro',
  'oui',
]);
const NO = new Set(['no', 'n', 'false', '0', 'nao', 'falso', 'non']);

/** A spreadsheet's yes/no cell in en, it, pt, es (accents ignored: sì, não); undefined when it is neither. */
export function parseYesNo(raw: string): boolean | undefined {
  const word = normaliseHeader(raw);
  if (YES.has(word)) return true;
  if (NO.has(word)) return false;
  return undefined;
}

/** Header text compared without case, accents, punctuation runs or surrounding space. */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[_\-./*:]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A suggested mapping (column index -> target key) from the headers: exact synonym matches first, each
 * target used once; columns with no match are left out (not imported).
 */
export function suggestMapping(
  headers: readonly string[],
  targets: readonly ImportTarget[],
): Record<string, string> {
  const bySynonym = new Map<string, string>();
  for (const target of targets) {
    for (const synonym of [target.key, target.label, ...target.synonyms]) {
      const key = normaliseHeader(synonym);
      if (!bySynonym.has(key)) bySynonym.set(key, target.key);
    }
  }
  const mapping: Record<string, string> = {};
  const used = new Set<string>();
  headers.forEach((header, index) => {
    const target = bySynonym.get(normaliseHeader(header));
    if (target && !used.has(target)) {
      mapping[String(index)] = target;
      used.add(target);
    }
  });
  return mapping;
}
