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

/** Extra targets from another domain (custom fields, consent), applied after each chunk's merge. */
export interface ImportTargetProvider {
  /** The workspace's targets of this provider (keys prefixed by the provider, e.g. `custom:`). */
  targets(tenantId: string): Promise<readonly ImportTarget[]>;
}

const providers: ImportTargetProvider[] = [];

export function registerImportTargetProvider(provider: ImportTargetProvider): void {
  providers.push(provider);
}

export async function importTargets(tenantId: string): Promise<readonly ImportTarget[]> {
  const extra = await Promise.all(providers.map((provider) => provider.targets(tenantId)));
  return [...BUILT_IN_TARGETS, ...extra.flat()];
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
