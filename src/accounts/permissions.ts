/**
 * Who may do what, in one place. Roles are per tenant (a membership); API keys carry scopes instead.
 * Agents work conversations and contacts; they cannot manage channels, keys, members or settings.
 */
export const ROLES = ['owner', 'admin', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = [
  'messages:read',
  'messages:write',
  'contacts:read',
  'contacts:write',
  'channels:manage',
  'admin',
  'quotes:read',
  'quotes:write',
  'quotes:approve',
  /** The MCP server (/mcp) for AI assistants: search contacts, read summaries, list quotes awaiting approval. */
  'mcp:read',
  /** Includes mcp:read; assistants may also draft replies (private notes) and campaigns (drafts); never send. */
  'mcp:draft',
] as const;
export type Scope = (typeof SCOPES)[number];

export const PERMISSIONS = {
  'conversations.read': ['owner', 'admin', 'agent'],
  'conversations.write': ['owner', 'admin', 'agent'],
  'contacts.read': ['owner', 'admin', 'agent'],
  'contacts.write': ['owner', 'admin', 'agent'],
  /** The pipeline's stages and the custom fields: the workspace's shape of a lead, curated by admins. */
  'contacts.settings': ['owner', 'admin'],
  /** Bulk: importing a CSV (and undoing it) and exporting every contact are for admins. */
  'contacts.import': ['owner', 'admin'],
  'contacts.export': ['owner', 'admin'],
  'channels.manage': ['owner', 'admin'],
  // The tenant's shared vocabulary: admins curate labels and canned responses, everyone applies them.
  'labels.manage': ['owner', 'admin'],
  'canned-responses.manage': ['owner', 'admin'],
  'members.read': ['owner', 'admin', 'agent'],
  'members.manage': ['owner', 'admin'],
  'api-keys.manage': ['owner', 'admin'],
  'audit.read': ['owner', 'admin'],
  /** The LLM agent's providers, keys, prompts, budgets and usage: money and the business's voice. */
  'agent.manage': ['owner', 'admin'],
  'tenant.settings': ['owner'],
  /** Quotes: everyone drafts and reads them; only those trusted with prices approve or shape them. */
  'quotes.read': ['owner', 'admin', 'agent'],
  'quotes.write': ['owner', 'admin', 'agent'],
  'quotes.approve': ['owner', 'admin'],
  'catalog.manage': ['owner', 'admin'],
  'quotes.settings': ['owner', 'admin'],
  /** Jobs that used up their attempts: their payloads are customer data, and a replay re-runs work. */
  'dead-letters.manage': ['owner', 'admin'],
  /** Retention policies, erasure and export of a person's data: irreversible, or all of someone's data. */
  'privacy.manage': ['owner', 'admin'],
  /** Reports compare members with each other: for those who run the team. */
  'reports.read': ['owner', 'admin'],
  /**
   * Automations: everyone sees the rules and their runs and may pull the kill switch (stopping is always
   * safe); only admins write rules or lift the switch (they send messages in the workspace's name).
   */
  'automations.read': ['owner', 'admin', 'agent'],
  'automations.halt': ['owner', 'admin', 'agent'],
  'automations.manage': ['owner', 'admin'],
  /** Rotating the workspace's data key (encryption at rest) and seeing its versions. */
  'encryption.manage': ['owner', 'admin'],
  /** Campaigns message many people at once: everyone follows them, admins create and launch them. */
  'campaigns.read': ['owner', 'admin', 'agent'],
  'campaigns.manage': ['owner', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function roleAllows(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** Scopes that include others: an assistant that may draft may also read what it drafts from. */
const IMPLIED: Partial<Record<Scope, readonly Scope[]>> = { 'mcp:draft': ['mcp:read'] };

/** An `admin` key may do everything a scope allows; other scopes are exact (or implied, above). */
export function scopesAllow(granted: readonly Scope[], required: Scope): boolean {
  return (
    granted.includes('admin') ||
    granted.includes(required) ||
    granted.some((scope) => IMPLIED[scope]?.includes(required) === true)
  );
}

/** Only an owner may grant or hold the owner role; admins manage admins and agents. */
export function mayAssignRole(actor: Role, target: Role): boolean {
  return actor === 'owner' || (actor === 'admin' && target !== 'owner');
}
