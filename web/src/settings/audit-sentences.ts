import { currentLocale, t } from '../i18n/i18n';
import { roleName } from './Members';

/**
 * The audit log in words: one sentence per action, and where the affected object lives in the
 * dashboard. An action without a sentence here still reads as words (`catalog_item.updated` →
 * "Catalog item updated"), so a new server action never shows as code.
 */

type Detail = Record<string, unknown>;

const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';
/** A detail for a message's `select`: its text, or `none` when the entry does not have it. */
const opt = (value: unknown): string => text(value) || 'none';
const list = (value: unknown): string =>
  Array.isArray(value) ? new Intl.ListFormat(currentLocale(), { type: 'unit' }).format(value.map(text)) : '';
const role = (value: unknown): string =>
  value === 'owner' || value === 'admin' || value === 'agent' ? roleName(value) : 'none';

// Each sentence's subject is the actor, shown in its own column: these are verb phrases, in the active
// language, and read as well without the details an older entry may lack (`none`).
const SENTENCES: Record<string, (detail: Detail) => string> = {
  'label.created': (d) => t('audit.label.created', { name: opt(d.name) }),
  'label.updated': (d) => t('audit.label.updated', { name: opt(d.name) }),
  'label.deleted': (d) => t('audit.label.deleted', { name: opt(d.name) }),
  'canned_response.created': (d) => t('audit.canned.created', { shortcut: opt(d.shortcut) }),
  'canned_response.updated': (d) => t('audit.canned.updated', { shortcut: opt(d.shortcut) }),
  'canned_response.deleted': (d) => t('audit.canned.deleted', { shortcut: opt(d.shortcut) }),
  'api_key.created': (d) =>
    t('audit.apiKey.created', { name: opt(d.name), scopes: list(d.scopes) || 'none' }),
  'api_key.revoked': (d) => t('audit.apiKey.revoked', { name: opt(d.name) }),
  'api_key.rotated': (d) => t('audit.apiKey.rotated', { name: opt(d.name) }),
  'invitation.created': (d) => t('audit.invitation.created', { email: opt(d.email), role: role(d.role) }),
  'invitation.revoked': (d) => t('audit.invitation.revoked', { email: opt(d.email) }),
  'invitation.accepted': () => t('audit.invitation.accepted'),
  'member.role_changed': (d) => t('audit.member.roleChanged', { from: role(d.from), to: role(d.to) }),
  'member.removed': (d) => t('audit.member.removed', { role: role(d.role) }),
  'tenant.two_factor_requirement_changed': (d) =>
    d.requireTwoFactor ? t('audit.tenant.twoFactorRequired') : t('audit.tenant.twoFactorNotRequired'),
  'tenant.renamed': (d) => t('audit.tenant.renamed', { name: opt(d.name) }),
  'whatsapp_channel.created': () => t('audit.channel.created'),
  'whatsapp_channel.updated': (d) => t('audit.channel.updated', { changed: list(d.changed) || 'none' }),
  'whatsapp_channel.disabled': () => t('audit.channel.disabled'),
  'whatsapp_channel.enabled': () => t('audit.channel.enabled'),
  'qualifier_settings.updated': () => t('audit.bot.updated'),
  'llm_settings.updated': () => t('audit.llm.updated'),
  'llm.budget_exhausted': () => t('audit.llm.budgetExhausted'),
  'contact.updated': (d) => t('audit.contact.updated', { fields: list(d.fields) || 'none' }),
  'auth.login.failed': () => t('audit.auth.loginFailed'),
  'auth.logout': () => t('audit.auth.logout'),
  'auth.tenant.switched': () => t('audit.auth.switched'),
  'signup.completed': () => t('audit.signup.completed'),
  'quote.created': (d) => t('audit.quote.created', { number: opt(d.number) }),
  'quote.approval_reminder': (d) => t('audit.quote.reminder', { number: opt(d.number) }),
  'catalog.imported': () => t('audit.catalog.imported'),
  'catalog_item.created': (d) => t('audit.catalogItem.created', { sku: opt(d.sku) }),
  'catalog_item.updated': (d) => t('audit.catalogItem.updated', { sku: opt(d.sku) }),
  'catalog_item.deleted': (d) => t('audit.catalogItem.deleted', { sku: opt(d.sku) }),
  'dead_letter.replayed': () => t('audit.deadLetter.replayed'),
  'dead_letter.discarded': () => t('audit.deadLetter.discarded'),
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

/** The actions the filter offers, named by their sentence without details, sorted by it. */
export const knownActions = () =>
  Object.keys(SENTENCES)
    .map((action) => ({ action, label: describeAction(action, {}) }))
    .sort((a, b) => a.label.localeCompare(b.label, currentLocale()));

/** Where the affected object is in the dashboard, if it has a place there. */
export function affectedLink(action: string, detail: Detail): { to: string; label: string } | null {
  if (typeof detail.conversationId === 'string') {
    return { to: `/inbox/${detail.conversationId}`, label: t('audit.openConversation') };
  }
  const [subject] = action.split('.');
  const pages: Record<string, [string, string]> = {
    label: ['/settings/labels', t('settings.page.labels')],
    canned_response: ['/settings/canned-responses', t('settings.page.cannedResponses')],
    api_key: ['/settings/api-keys', t('settings.page.apiKeys')],
    invitation: ['/settings/members', t('settings.page.members')],
    member: ['/settings/members', t('settings.page.members')],
    whatsapp_channel: ['/settings/channels', t('settings.page.channels')],
    qualifier_settings: ['/settings/bot', t('audit.botSettings')],
    llm_settings: ['/settings/llm', t('settings.page.llm')],
    llm: ['/settings/llm', t('settings.page.llm')],
    tenant: ['/settings/security', t('settings.page.security')],
  };
  const page = subject ? pages[subject] : undefined;
  return page ? { to: page[0], label: page[1] } : null;
}
