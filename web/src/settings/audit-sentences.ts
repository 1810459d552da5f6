/**
 * The audit log in words: one sentence per action, and where the affected object lives in the
 * dashboard. An action without a sentence here still reads as words (`catalog_item.updated` →
 * "Catalog item updated"), so a new server action never shows as code.
 */

type Detail = Record<string, unknown>;

const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';
const quoted = (value: unknown, fallback: string): string => (text(value) ? `“${text(value)}”` : fallback);
const list = (value: unknown): string => (Array.isArray(value) ? value.map(text).join(', ') : '');

const SENTENCES: Record<string, (detail: Detail) => string> = {
  'label.created': (d) => `created the label ${quoted(d.name, 'a label')}`,
  'label.updated': (d) => `changed the label ${quoted(d.name, 'a label')}`,
  'label.deleted': (d) => `deleted the label ${quoted(d.name, 'a label')}`,
  'canned_response.created': (d) => `created the canned response ${quoted(d.shortcut, '')}`.trim(),
  'canned_response.updated': (d) => `changed the canned response ${quoted(d.shortcut, '')}`.trim(),
  'canned_response.deleted': (d) => `deleted the canned response ${quoted(d.shortcut, '')}`.trim(),
  'api_key.created': (d) => `created the API key ${quoted(d.name, '')} (${list(d.scopes) || 'no scopes'})`,
  'api_key.revoked': (d) => `revoked the API key ${quoted(d.name, '')}`.trim(),
  'api_key.rotated': (d) => `rotated the API key ${quoted(d.name, '')}`.trim(),
  'invitation.created': (d) => `invited ${text(d.email) || 'someone'} as ${text(d.role) || 'a member'}`,
  'invitation.revoked': (d) => `revoked the invitation of ${text(d.email) || 'someone'}`,
  'invitation.accepted': () => 'joined the workspace',
  'member.role_changed': (d) => `changed a member’s role from ${text(d.from)} to ${text(d.to)}`,
  'member.removed': (d) => `removed a member (${text(d.role) || 'member'})`,
  'tenant.two_factor_requirement_changed': (d) =>
    d.requireTwoFactor
      ? 'required two-factor authentication of every member'
      : 'stopped requiring two-factor authentication',
  'tenant.renamed': (d) => `renamed the workspace to ${quoted(d.name, 'a new name')}`,
  'whatsapp_channel.created': () => 'connected a WhatsApp number',
  'whatsapp_channel.updated': (d) => `changed a WhatsApp channel (${list(d.changed) || 'settings'})`,
  'whatsapp_channel.disabled': () => 'disabled a WhatsApp channel',
  'whatsapp_channel.enabled': () => 'enabled a WhatsApp channel',
  'qualifier_settings.updated': () => 'changed the bot’s settings',
  'llm_settings.updated': () => 'changed the LLM agent’s settings',
  'llm.budget_exhausted': () => 'the LLM agent reached its budget and handed conversations to people',
  'contact.updated': (d) => `changed a contact (${list(d.fields) || 'details'})`,
  'auth.login.failed': () => 'a sign-in failed',
  'auth.logout': () => 'signed out',
  'auth.tenant.switched': () => 'switched to this workspace',
  'signup.completed': () => 'created the workspace',
  'quote.created': (d) => `created quote ${text(d.number)}`.trim(),
  'quote.approval_reminder': (d) => `reminded approvers of quote ${text(d.number)}`.trim(),
  'catalog.imported': () => 'imported the catalog',
  'catalog_item.created': (d) => `added ${quoted(d.sku, 'an item')} to the catalog`,
  'catalog_item.updated': (d) => `changed the catalog item ${quoted(d.sku, '')}`.trim(),
  'catalog_item.deleted': (d) => `removed ${quoted(d.sku, 'an item')} from the catalog`,
  'dead_letter.replayed': () => 'replayed a failed job',
  'dead_letter.discarded': () => 'discarded a failed job',
};

/** "catalog_item.updated" → "catalog item updated". */
function words(action: string): string {
  return action.replace(/[._:-]+/g, ' ').trim();
}

/** The sentence's verb phrase (its subject is the actor, shown before it). */
export function describeAction(action: string, detail: Detail): string {
  const sentence = SENTENCES[action];
  return sentence ? sentence(detail) : words(action);
}

/** The actions the filter offers, with a readable name, sorted by it. */
export const KNOWN_ACTIONS = Object.keys(SENTENCES)
  .map((action) => ({ action, label: words(action) }))
  .sort((a, b) => a.label.localeCompare(b.label));

/** Where the affected object is in the dashboard, if it has a place there. */
export function affectedLink(action: string, detail: Detail): { to: string; label: string } | null {
  if (typeof detail.conversationId === 'string') {
    return { to: `/inbox/${detail.conversationId}`, label: 'Open the conversation' };
  }
  const [subject] = action.split('.');
  const pages: Record<string, [string, string]> = {
    label: ['/settings/labels', 'Labels'],
    canned_response: ['/settings/canned-responses', 'Canned responses'],
    api_key: ['/settings/api-keys', 'API keys'],
    invitation: ['/settings/members', 'Members'],
    member: ['/settings/members', 'Members'],
    whatsapp_channel: ['/settings/channels', 'Channels'],
    qualifier_settings: ['/settings/bot', 'Bot settings'],
    llm_settings: ['/settings/llm', 'LLM agent'],
    llm: ['/settings/llm', 'LLM agent'],
    tenant: ['/settings/security', 'Security'],
  };
  const page = subject ? pages[subject] : undefined;
  return page ? { to: page[0], label: page[1] } : null;
}
