import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Scope, scopesAllow } from '../../src/accounts/permissions.js';
import { createApiKey } from '../../src/api-keys/api-keys.service.js';
import type { Config } from '../../src/platform/config/config.js';
import type { CatalogEntry } from '../../src/platform/http/route-access.js';
import { createMetrics, startMetricsServer } from '../../src/platform/metrics/metrics.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const METRICS_TOKEN = 'Mt5vR8nB2qW7xZ4kP9cL1yH6dG3sJ0fA';

/**
 * Every route the application serves and who may call it. A new route must be added here on purpose:
 * that is the review point for its access policy.
 */
const EXPECTED_ROUTES: CatalogEntry[] = [
  { method: 'GET', url: '/health', access: 'public' },
  { method: 'HEAD', url: '/health', access: 'public' },
  { method: 'GET', url: '/ready', access: 'public' },
  { method: 'HEAD', url: '/ready', access: 'public' },
  { method: 'GET', url: '/api/docs', access: 'public' },
  { method: 'HEAD', url: '/api/docs', access: 'public' },
  { method: 'HEAD', url: '/api/docs/', access: 'public' },
  { method: 'GET', url: '/api/docs/json', access: 'public' },
  { method: 'HEAD', url: '/api/docs/json', access: 'public' },
  { method: 'GET', url: '/api/docs/yaml', access: 'public' },
  { method: 'HEAD', url: '/api/docs/yaml', access: 'public' },
  { method: 'GET', url: '/api/docs/static/index.html', access: 'public' },
  { method: 'HEAD', url: '/api/docs/static/index.html', access: 'public' },
  { method: 'GET', url: '/api/docs/static/swagger-initializer.js', access: 'public' },
  { method: 'HEAD', url: '/api/docs/static/swagger-initializer.js', access: 'public' },
  { method: 'GET', url: '/api/docs/static/*', access: 'public' },
  { method: 'HEAD', url: '/api/docs/static/*', access: 'public' },
  { method: 'POST', url: '/api/v1/csp-reports', access: 'public' },
  { method: 'GET', url: '/webhooks/whatsapp/:channelId', access: 'public' },
  { method: 'HEAD', url: '/webhooks/whatsapp/:channelId', access: 'public' },
  { method: 'POST', url: '/webhooks/whatsapp/:channelId', access: 'public' },
  {
    method: 'POST',
    url: '/api/v1/whatsapp/channels',
    access: { permission: 'channels.manage', apiKeyScope: 'channels:manage' },
  },
  {
    method: 'GET',
    url: '/api/v1/whatsapp/channels',
    access: { permission: 'channels.manage', apiKeyScope: 'channels:manage' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/whatsapp/channels',
    access: { permission: 'channels.manage', apiKeyScope: 'channels:manage' },
  },
  {
    method: 'GET',
    url: '/api/v1/whatsapp/channels/:id',
    access: { permission: 'channels.manage', apiKeyScope: 'channels:manage' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/whatsapp/channels/:id',
    access: { permission: 'channels.manage', apiKeyScope: 'channels:manage' },
  },
  {
    method: 'PATCH',
    url: '/api/v1/whatsapp/channels/:id',
    access: { permission: 'channels.manage', apiKeyScope: 'channels:manage' },
  },
  {
    method: 'POST',
    url: '/api/v1/whatsapp/channels/:id/disable',
    access: { permission: 'channels.manage', apiKeyScope: 'channels:manage' },
  },
  {
    method: 'POST',
    url: '/api/v1/whatsapp/channels/:id/enable',
    access: { permission: 'channels.manage', apiKeyScope: 'channels:manage' },
  },
  { method: 'POST', url: '/api/v1/api-keys', access: { permission: 'api-keys.manage' } },
  { method: 'GET', url: '/api/v1/api-keys', access: { permission: 'api-keys.manage' } },
  { method: 'HEAD', url: '/api/v1/api-keys', access: { permission: 'api-keys.manage' } },
  {
    method: 'GET',
    url: '/api/v1/api-keys/self',
    access: { permission: 'api-keys.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/api-keys/self',
    access: { permission: 'api-keys.manage', apiKeyScope: 'admin' },
  },
  { method: 'POST', url: '/api/v1/api-keys/:id/rotate', access: { permission: 'api-keys.manage' } },
  { method: 'DELETE', url: '/api/v1/api-keys/:id', access: { permission: 'api-keys.manage' } },
  { method: 'GET', url: '/api/v1/audit-log', access: { permission: 'audit.read', apiKeyScope: 'admin' } },
  { method: 'HEAD', url: '/api/v1/audit-log', access: { permission: 'audit.read', apiKeyScope: 'admin' } },
  {
    method: 'GET',
    url: '/api/v1/audit-log/export',
    access: { permission: 'audit.read', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/audit-log/export',
    access: { permission: 'audit.read', apiKeyScope: 'admin' },
  },
  { method: 'GET', url: '/api/v1/tenant', access: { permission: 'members.read' } },
  { method: 'HEAD', url: '/api/v1/tenant', access: { permission: 'members.read' } },
  { method: 'PATCH', url: '/api/v1/tenant', access: { permission: 'tenant.settings' } },
  { method: 'GET', url: '/api/v1/members', access: { permission: 'members.read' } },
  { method: 'HEAD', url: '/api/v1/members', access: { permission: 'members.read' } },
  { method: 'PATCH', url: '/api/v1/members/:userId', access: { permission: 'members.manage' } },
  { method: 'DELETE', url: '/api/v1/members/:userId', access: { permission: 'members.manage' } },
  {
    method: 'PUT',
    url: '/api/v1/hubspot/connection',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/hubspot/connection',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/hubspot/connection',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/hubspot/connection',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'PUT',
    url: '/api/v1/hubspot/mapping',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/hubspot/sync',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/hubspot/sync',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  { method: 'POST', url: '/api/v1/invitations', access: { permission: 'members.manage' } },
  { method: 'GET', url: '/api/v1/invitations', access: { permission: 'members.manage' } },
  { method: 'HEAD', url: '/api/v1/invitations', access: { permission: 'members.manage' } },
  { method: 'DELETE', url: '/api/v1/invitations/:id', access: { permission: 'members.manage' } },
  { method: 'POST', url: '/api/v1/invitations/accept', access: 'public' },
  { method: 'POST', url: '/api/v1/invitations/accept-signed-in', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/signup', access: 'public' },
  { method: 'POST', url: '/api/v1/auth/login', access: 'public' },
  { method: 'POST', url: '/api/v1/auth/logout', access: { signedIn: true, allowMfaPending: true } },
  { method: 'GET', url: '/api/v1/auth/session', access: { signedIn: true, allowMfaPending: true } },
  { method: 'HEAD', url: '/api/v1/auth/session', access: { signedIn: true, allowMfaPending: true } },
  { method: 'POST', url: '/api/v1/auth/switch-tenant', access: { signedIn: true } },
  { method: 'GET', url: '/api/v1/auth/sessions', access: { signedIn: true } },
  { method: 'HEAD', url: '/api/v1/auth/sessions', access: { signedIn: true } },
  { method: 'DELETE', url: '/api/v1/auth/sessions/:id', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/sessions/revoke-others', access: { signedIn: true } },
  { method: 'PATCH', url: '/api/v1/auth/preferences', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/reauthenticate', access: { signedIn: true } },
  { method: 'GET', url: '/api/v1/auth/two-factor', access: { signedIn: true } },
  { method: 'HEAD', url: '/api/v1/auth/two-factor', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/two-factor/setup', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/two-factor/enable', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/two-factor/disable', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/two-factor/recovery-codes', access: { signedIn: true } },
  {
    method: 'POST',
    url: '/api/v1/auth/login/second-factor',
    access: { signedIn: true, allowMfaPending: true },
  },
  { method: 'PATCH', url: '/api/v1/tenant/security', access: { permission: 'tenant.settings' } },
  { method: 'POST', url: '/api/v1/auth/password-reset', access: 'public' },
  { method: 'POST', url: '/api/v1/auth/password-reset/confirm', access: 'public' },
  { method: 'POST', url: '/api/v1/auth/password', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/email', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/verify-email/request', access: { signedIn: true } },
  { method: 'POST', url: '/api/v1/auth/verify-email', access: 'public' },
  {
    method: 'GET',
    url: '/api/v1/agent/qualifier-settings',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/agent/qualifier-settings',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'PUT',
    url: '/api/v1/agent/qualifier-settings',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/conversations',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/conversations',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'GET',
    url: '/api/v1/conversations/:id',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/conversations/:id',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'GET',
    url: '/api/v1/conversations/:id/messages',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/conversations/:id/messages',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'PUT',
    url: '/api/v1/conversations/:id/ownership',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/conversations/:id/messages',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/conversations/:id/attachments',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  ...(['GET', 'HEAD', 'PUT'] as const).map((method) => ({
    method,
    url: '/api/v1/agent/llm-settings',
    access: { permission: 'agent.manage', apiKeyScope: 'admin' } as const,
  })),
  ...(['GET', 'HEAD'] as const).map((method) => ({
    method,
    url: '/api/v1/agent/usage',
    access: { permission: 'agent.manage', apiKeyScope: 'admin' } as const,
  })),
  {
    method: 'GET',
    url: '/api/v1/labels',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/labels',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  { method: 'POST', url: '/api/v1/labels', access: { permission: 'labels.manage', apiKeyScope: 'admin' } },
  ...(['GET', 'HEAD'] as const).map((method) => ({
    method,
    url: '/api/v1/automations/kill-switch',
    access: { permission: 'automations.read', apiKeyScope: 'admin' } as const,
  })),
  {
    method: 'POST',
    url: '/api/v1/automations/kill-switch',
    access: { permission: 'automations.halt', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/automations/kill-switch',
    access: { permission: 'automations.manage', apiKeyScope: 'admin' },
  },
  ...(['GET', 'HEAD'] as const).flatMap((method) =>
    ['/api/v1/automations', '/api/v1/automations/:id', '/api/v1/automations/:id/runs'].map((url) => ({
      method,
      url,
      access: { permission: 'automations.read', apiKeyScope: 'admin' } as const,
    })),
  ),
  {
    method: 'POST',
    url: '/api/v1/automations',
    access: { permission: 'automations.manage', apiKeyScope: 'admin' } as const,
  },
  {
    method: 'PUT',
    url: '/api/v1/automations/:id',
    access: { permission: 'automations.manage', apiKeyScope: 'admin' } as const,
  },
  {
    method: 'DELETE',
    url: '/api/v1/automations/:id',
    access: { permission: 'automations.manage', apiKeyScope: 'admin' } as const,
  },
  {
    method: 'POST',
    url: '/api/v1/automations/:id/enable',
    access: { permission: 'automations.manage', apiKeyScope: 'admin' } as const,
  },
  {
    method: 'POST',
    url: '/api/v1/automations/:id/disable',
    access: { permission: 'automations.manage', apiKeyScope: 'admin' } as const,
  },
  {
    method: 'POST',
    url: '/api/v1/automations/:id/dry-run',
    access: { permission: 'automations.read', apiKeyScope: 'admin' } as const,
  },
  {
    method: 'PATCH',
    url: '/api/v1/labels/:id',
    access: { permission: 'labels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/labels/:id',
    access: { permission: 'labels.manage', apiKeyScope: 'admin' },
  },
  ...(['GET', 'HEAD'] as const).flatMap((method) =>
    [
      '/api/v1/campaigns',
      '/api/v1/campaigns/:id',
      '/api/v1/campaigns/:id/progress',
      '/api/v1/campaigns/:id/recipients',
    ].map((url) => ({
      method,
      url,
      access: { permission: 'campaigns.read', apiKeyScope: 'admin' } as const,
    })),
  ),
  {
    method: 'POST',
    url: '/api/v1/campaigns/:id/preview',
    access: { permission: 'campaigns.read', apiKeyScope: 'admin' },
  },
  ...(
    [
      ['POST', '/api/v1/campaigns'],
      ['PATCH', '/api/v1/campaigns/:id'],
      ['DELETE', '/api/v1/campaigns/:id'],
      ['POST', '/api/v1/campaigns/:id/launch'],
      ['POST', '/api/v1/campaigns/:id/pause'],
      ['POST', '/api/v1/campaigns/:id/resume'],
      ['POST', '/api/v1/campaigns/:id/cancel'],
      ['POST', '/api/v1/campaigns/:id/retry-failed'],
    ] as const
  ).map(([method, url]) => ({
    method,
    url,
    access: { permission: 'campaigns.manage', apiKeyScope: 'admin' } as const,
  })),
  {
    method: 'GET',
    url: '/api/v1/canned-responses',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/canned-responses',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'POST',
    url: '/api/v1/canned-responses',
    access: { permission: 'canned-responses.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'PATCH',
    url: '/api/v1/canned-responses/:id',
    access: { permission: 'canned-responses.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/canned-responses/:id',
    access: { permission: 'canned-responses.manage', apiKeyScope: 'admin' },
  },
  { method: 'POST', url: '/api/v1/conversations/:id/read', access: { permission: 'conversations.read' } },
  {
    method: 'PUT',
    url: '/api/v1/conversations/:id/status',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  {
    method: 'PUT',
    url: '/api/v1/conversations/:id/assignee',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  {
    method: 'PUT',
    url: '/api/v1/conversations/:id/labels',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/conversations/:id/notes',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/conversations/:id/notes',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'POST',
    url: '/api/v1/conversations/:id/notes',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/contact-imports',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contact-imports',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/contact-imports',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/contact-imports/:id',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contact-imports/:id',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/contact-imports/:id/start',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/contact-imports/:id/cancel',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/contact-imports/:id/undo',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/contact-imports/:id/rejects.csv',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contact-imports/:id/rejects.csv',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/contact-import-mappings',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contact-import-mappings',
    access: { permission: 'contacts.import', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/contacts/export.csv',
    access: { permission: 'contacts.export', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contacts/export.csv',
    access: { permission: 'contacts.export', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'GET',
    url: '/api/v1/contacts/:id',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contacts/:id',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'PATCH',
    url: '/api/v1/contacts/:id',
    access: { permission: 'contacts.write', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/contacts',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contacts',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'GET',
    url: '/api/v1/contacts/:id/timeline',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contacts/:id/timeline',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'GET',
    url: '/api/v1/contacts/:id/consent',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contacts/:id/consent',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'POST',
    url: '/api/v1/contacts/:id/consent',
    access: { permission: 'contacts.write', apiKeyScope: 'contacts:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/pipeline/stages',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/pipeline/stages',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'POST',
    url: '/api/v1/pipeline/stages',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'PATCH',
    url: '/api/v1/pipeline/stages/:id',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/pipeline/stages/:id',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/custom-fields',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/custom-fields',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'POST',
    url: '/api/v1/custom-fields',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'PATCH',
    url: '/api/v1/custom-fields/:id',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/custom-fields/:id',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'PUT',
    url: '/api/v1/pipeline/stages/order',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/contacts/:id/conversations',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/contacts/:id/conversations',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'GET',
    url: '/api/v1/messages/:id/media',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/messages/:id/media',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'GET',
    url: '/api/v1/whatsapp/channels/:id/templates',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/whatsapp/channels/:id/templates',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  // The dead-letter queue: jobs that used up their attempts.
  ...(['GET', 'HEAD'] as const).flatMap((method) =>
    ['/api/v1/dead-letters', '/api/v1/dead-letters/:id'].map((url) => ({
      method,
      url,
      access: { permission: 'dead-letters.manage', apiKeyScope: 'admin' } as const,
    })),
  ),
  ...['/api/v1/dead-letters/replay', '/api/v1/dead-letters/discard'].map((url) => ({
    method: 'POST',
    url,
    access: { permission: 'dead-letters.manage', apiKeyScope: 'admin' } as const,
  })),
  // Privacy: retention policy, erasures, a contact's export (admins and owners; admin keys).
  ...(['GET', 'HEAD'] as const).flatMap((method) =>
    ['/api/v1/privacy/retention', '/api/v1/privacy/erasures/:id', '/api/v1/contacts/:id/export'].map(
      (url) => ({
        method,
        url,
        access: { permission: 'privacy.manage', apiKeyScope: 'admin' } as const,
      }),
    ),
  ),
  {
    method: 'PUT',
    url: '/api/v1/privacy/retention',
    access: { permission: 'privacy.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'POST',
    url: '/api/v1/privacy/erasures',
    access: { permission: 'privacy.manage', apiKeyScope: 'admin' },
  },
  ...(['GET', 'HEAD'] as const).map((method) => ({
    method,
    url: '/api/v1/privacy/retention/last-run',
    access: { permission: 'privacy.manage', apiKeyScope: 'admin' } as const,
  })),
  // Reports (owners and admins: they compare members).
  ...['/api/v1/reports/summary', '/api/v1/reports/conversations', '/api/v1/reports/export'].flatMap((url) =>
    (['GET', 'HEAD'] as const).map((method) => ({
      method,
      url,
      access: { permission: 'reports.read', apiKeyScope: 'admin' } as const,
    })),
  ),
  // Encryption at rest: data-key status and rotation (owners and admins, by session only).
  ...(['GET', 'HEAD'] as const).map((method) => ({
    method,
    url: '/api/v1/encryption/data-keys',
    access: { permission: 'encryption.manage' } as const,
  })),
  {
    method: 'POST',
    url: '/api/v1/encryption/data-keys/rotate',
    access: { permission: 'encryption.manage' },
  },
  // The MCP server for AI assistants: API keys with mcp:read (sessions are refused by the handler).
  ...(['POST', 'GET', 'HEAD', 'DELETE'] as const).map((method) => ({
    method,
    url: '/mcp',
    access: { permission: 'conversations.read', apiKeyScope: 'mcp:read' } as const,
  })),
  // The workspace's plan and usage meters (every member: the dashboard's banner and usage page).
  ...(['GET', 'HEAD'] as const).map((method) => ({
    method,
    url: '/api/v1/workspace/plan',
    access: { permission: 'members.read', apiKeyScope: 'admin' } as const,
  })),
  // Lead sources and company enrichment (issue 15): settings by session; deliveries are public (signed).
  { method: 'POST', url: '/api/v1/public/lead-sources/:sourceId/leads', access: 'public' },
  { method: 'POST', url: '/api/v1/public/lead-sources/:sourceId/phantombuster', access: 'public' },
  { method: 'POST', url: '/api/v1/lead-sources', access: { permission: 'contacts.settings' } },
  ...(['GET', 'HEAD'] as const).map((method) => ({
    method,
    url: '/api/v1/lead-sources',
    access: { permission: 'contacts.settings' } as const,
  })),
  ...['rotate-secret', 'disable', 'enable'].map((action) => ({
    method: 'POST',
    url: `/api/v1/lead-sources/:id/${action}`,
    access: { permission: 'contacts.settings' } as const,
  })),
  ...(['GET', 'HEAD', 'PUT'] as const).map((method) => ({
    method,
    url: '/api/v1/enrichment/settings',
    access: { permission: 'contacts.settings' } as const,
  })),
  ...(['GET', 'HEAD'] as const).map((method) => ({
    method,
    url: '/api/v1/contacts/:id/enrichment',
    access: { permission: 'contacts.read' } as const,
  })),
  // Segments (issue 16): everyone who reads contacts reads and previews them; contact writers save them.
  ...(['GET', 'HEAD'] as const).flatMap((method) =>
    ['/api/v1/segments', '/api/v1/segments/:id'].map((url) => ({
      method,
      url,
      access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' } as const,
    })),
  ),
  {
    method: 'POST',
    url: '/api/v1/segments/preview',
    access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' },
  },
  {
    method: 'POST',
    url: '/api/v1/segments',
    access: { permission: 'contacts.write', apiKeyScope: 'contacts:write' },
  },
  ...(['PATCH', 'DELETE'] as const).map((method) => ({
    method,
    url: '/api/v1/segments/:id',
    access: { permission: 'contacts.write', apiKeyScope: 'contacts:write' } as const,
  })),
  // The dashboard (static, public like any web page; its data comes from the API).
  { method: 'GET', url: '/', access: 'public' },
  { method: 'HEAD', url: '/', access: 'public' },
  { method: 'GET', url: '/assets/*', access: 'public' },
  { method: 'HEAD', url: '/assets/*', access: 'public' },
  // The live inbox WebSocket (upgrade only; plain GETs are 404).
  { method: 'GET', url: '/api/v1/live', access: { permission: 'conversations.read' } },
  // Notifications (issue 18): the signed-in member's own; API keys have none.
  ...(['GET', 'HEAD'] as const).flatMap((method) =>
    [
      '/api/v1/notifications',
      '/api/v1/notifications/unread-count',
      '/api/v1/notifications/preferences',
      '/api/v1/notifications/:id',
    ].map((url) => ({ method, url, access: { permission: 'conversations.read' } as const })),
  ),
  { method: 'PUT', url: '/api/v1/notifications/preferences', access: { permission: 'conversations.read' } },
  { method: 'POST', url: '/api/v1/notifications/read-all', access: { permission: 'conversations.read' } },
  { method: 'POST', url: '/api/v1/notifications/:id/read', access: { permission: 'conversations.read' } },
  // Inbox quality (issue 18): snooze, bulk actions, auto-assignment setting.
  {
    method: 'PUT',
    url: '/api/v1/conversations/:id/snooze',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/conversations/bulk-actions',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  ...(['GET', 'HEAD'] as const).map((method) => ({
    method,
    url: '/api/v1/inbox/settings',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' } as const,
  })),
  {
    method: 'PUT',
    url: '/api/v1/inbox/settings',
    access: { permission: 'members.manage', apiKeyScope: 'admin' },
  },
  // Quotes (issue 14): catalog, settings, quotes and approval; the customer's link is public.
  {
    method: 'GET',
    url: '/api/v1/catalog/items',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/catalog/items',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'POST',
    url: '/api/v1/catalog/items',
    access: { permission: 'catalog.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/catalog/search',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/catalog/search',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'GET',
    url: '/api/v1/catalog/items/:id',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/catalog/items/:id',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'PATCH',
    url: '/api/v1/catalog/items/:id',
    access: { permission: 'catalog.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/catalog/items/:id',
    access: { permission: 'catalog.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'POST',
    url: '/api/v1/catalog/import',
    access: { permission: 'catalog.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/quotes/settings',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/quotes/settings',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'PATCH',
    url: '/api/v1/quotes/settings',
    access: { permission: 'quotes.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'PUT',
    url: '/api/v1/quotes/settings/logo',
    access: { permission: 'quotes.settings', apiKeyScope: 'admin' },
  },
  {
    method: 'POST',
    url: '/api/v1/quotes/templates/preview',
    access: { permission: 'quotes.settings', apiKeyScope: 'admin' },
  },
  { method: 'GET', url: '/api/v1/quotes', access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' } },
  {
    method: 'HEAD',
    url: '/api/v1/quotes',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'POST',
    url: '/api/v1/quotes',
    access: { permission: 'quotes.write', apiKeyScope: 'quotes:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/quotes/draft-from-conversation',
    access: { permission: 'quotes.write', apiKeyScope: 'quotes:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/quotes/approvals',
    access: { permission: 'quotes.approve', apiKeyScope: 'quotes:approve' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/quotes/approvals',
    access: { permission: 'quotes.approve', apiKeyScope: 'quotes:approve' },
  },
  {
    method: 'GET',
    url: '/api/v1/quotes/:id',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/quotes/:id',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'PUT',
    url: '/api/v1/quotes/:id',
    access: { permission: 'quotes.write', apiKeyScope: 'quotes:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/quotes/:id/submit',
    access: { permission: 'quotes.write', apiKeyScope: 'quotes:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/quotes/:id/approve',
    access: { permission: 'quotes.approve', apiKeyScope: 'quotes:approve' },
  },
  {
    method: 'POST',
    url: '/api/v1/quotes/:id/reject',
    access: { permission: 'quotes.approve', apiKeyScope: 'quotes:approve' },
  },
  {
    method: 'POST',
    url: '/api/v1/quotes/:id/send',
    access: { permission: 'quotes.write', apiKeyScope: 'quotes:write' },
  },
  {
    method: 'GET',
    url: '/api/v1/quotes/:id/diff',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/quotes/:id/diff',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'GET',
    url: '/api/v1/quotes/:id/pdf',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/quotes/:id/pdf',
    access: { permission: 'quotes.read', apiKeyScope: 'quotes:read' },
  },
  { method: 'GET', url: '/q/:token', access: 'public' },
  { method: 'HEAD', url: '/q/:token', access: 'public' },
  { method: 'POST', url: '/q/:token/accept', access: 'public' },
  { method: 'POST', url: '/q/:token/decline', access: 'public' },
  { method: 'GET', url: '/q/:token/pdf', access: 'public' },
  { method: 'HEAD', url: '/q/:token/pdf', access: 'public' },
  { method: 'GET', url: '/api/v1/public/quotes/:token', access: 'public' },
  { method: 'HEAD', url: '/api/v1/public/quotes/:token', access: 'public' },
  { method: 'POST', url: '/api/v1/public/quotes/:token/accept', access: 'public' },
  { method: 'POST', url: '/api/v1/public/quotes/:token/decline', access: 'public' },
  { method: 'GET', url: '/api/v1/public/quotes/:token/pdf', access: 'public' },
  { method: 'HEAD', url: '/api/v1/public/quotes/:token/pdf', access: 'public' },
  {
    method: 'PUT',
    url: '/api/v1/twilio/connection',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/twilio/connection',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/twilio/connection',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/twilio/connection',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/twilio/numbers',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/twilio/numbers',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'POST',
    url: '/api/v1/twilio/numbers',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'POST',
    url: '/api/v1/twilio/numbers/sync',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/twilio/numbers/:id',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  { method: 'POST', url: '/webhooks/hubspot/:tenantId', access: 'public' },
  // E-mail events (issue 16): Postmark (Basic auth in the URL) and Lemlist (secret path segment).
  { method: 'POST', url: '/webhooks/postmark/:tenantId', access: 'public' },
  { method: 'POST', url: '/webhooks/lemlist/:tenantId/:secret', access: 'public' },
  ...(['GET', 'HEAD'] as const).map((method) => ({
    method,
    url: '/api/v1/settings/email-events',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' } as const,
  })),
  {
    method: 'POST',
    url: '/api/v1/settings/email-events/rotate',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' },
  },
  ...(['PUT', 'DELETE'] as const).map((method) => ({
    method,
    url: '/api/v1/settings/email-events/lemlist',
    access: { permission: 'contacts.settings', apiKeyScope: 'admin' } as const,
  })),
  { method: 'POST', url: '/webhooks/twilio/:tenantId/callbacks/:callbackId/whisper', access: 'public' },
  { method: 'POST', url: '/webhooks/twilio/:tenantId/callbacks/:callbackId/gather', access: 'public' },
  { method: 'POST', url: '/webhooks/twilio/:tenantId/callbacks/:callbackId/dial-done', access: 'public' },
  { method: 'POST', url: '/webhooks/twilio/:tenantId/callbacks/:callbackId/status/:leg', access: 'public' },
  { method: 'POST', url: '/webhooks/twilio/:tenantId/sms', access: 'public' },
  { method: 'POST', url: '/webhooks/twilio/:tenantId/sms/:numberId/status/:messageId', access: 'public' },
  { method: 'POST', url: '/api/v1/widgets', access: { permission: 'channels.manage', apiKeyScope: 'admin' } },
  { method: 'GET', url: '/api/v1/widgets', access: { permission: 'channels.manage', apiKeyScope: 'admin' } },
  { method: 'HEAD', url: '/api/v1/widgets', access: { permission: 'channels.manage', apiKeyScope: 'admin' } },
  {
    method: 'GET',
    url: '/api/v1/widgets/:id',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/widgets/:id',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'PATCH',
    url: '/api/v1/widgets/:id',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/widgets/:id/preview',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/widgets/:id/preview',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/callback-settings',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/callback-settings',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'PUT',
    url: '/api/v1/callback-settings',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/business-hours',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/business-hours',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'PUT',
    url: '/api/v1/business-hours',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/widgets/:id/business-hours',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/widgets/:id/business-hours',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'PUT',
    url: '/api/v1/widgets/:id/business-hours',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/widgets/:id/business-hours',
    access: { permission: 'channels.manage', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/callbacks',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/callbacks',
    access: { permission: 'conversations.read', apiKeyScope: 'messages:read' },
  },
  {
    method: 'POST',
    url: '/api/v1/callbacks/:id/cancel',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  {
    method: 'POST',
    url: '/api/v1/callbacks/:id/reschedule',
    access: { permission: 'conversations.write', apiKeyScope: 'messages:write' },
  },
  { method: 'OPTIONS', url: '/api/v1/public/widgets/:key/callbacks', access: 'public' },
  { method: 'POST', url: '/api/v1/public/widgets/:key/callbacks', access: 'public' },
  { method: 'OPTIONS', url: '/api/v1/public/widgets/:key/challenge', access: 'public' },
  { method: 'GET', url: '/api/v1/public/widgets/:key/challenge', access: 'public' },
  { method: 'HEAD', url: '/api/v1/public/widgets/:key/challenge', access: 'public' },
  { method: 'GET', url: '/widget.js', access: 'public' },
  { method: 'OPTIONS', url: '/api/v1/public/widgets/:key/config', access: 'public' },
  { method: 'GET', url: '/api/v1/public/widgets/:key/config', access: 'public' },
  { method: 'HEAD', url: '/api/v1/public/widgets/:key/config', access: 'public' },
  { method: 'HEAD', url: '/widget.js', access: 'public' },
  // Campaign report (ADR 0046): everyone who follows campaigns reads it; the CSV is a bulk export.
  {
    method: 'GET',
    url: '/api/v1/campaigns/:id/report',
    access: { permission: 'campaigns.read', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/campaigns/:id/report',
    access: { permission: 'campaigns.read', apiKeyScope: 'admin' },
  },
  {
    method: 'GET',
    url: '/api/v1/campaigns/:id/report.csv',
    access: { permission: 'contacts.export', apiKeyScope: 'admin' },
  },
  {
    method: 'HEAD',
    url: '/api/v1/campaigns/:id/report.csv',
    access: { permission: 'contacts.export', apiKeyScope: 'admin' },
  },
];
const METRICS_ROUTES: CatalogEntry[] = [
  { method: 'GET', url: '/metrics', access: 'metrics-token' },
  { method: 'HEAD', url: '/metrics', access: 'metrics-token' },
];
/** The instance operator's API (workspace plans), served only when OPERATOR_API_TOKEN is set. */
const OPERATOR_ROUTES: CatalogEntry[] = [
  { method: 'GET', url: '/api/operator/v1/workspaces/:id/plan', access: 'operator-token' },
  { method: 'HEAD', url: '/api/operator/v1/workspaces/:id/plan', access: 'operator-token' },
  { method: 'PATCH', url: '/api/operator/v1/workspaces/:id/plan', access: 'operator-token' },
  { method: 'POST', url: '/api/operator/v1/workspaces/:id/activate', access: 'operator-token' },
  { method: 'POST', url: '/api/operator/v1/workspaces/:id/suspend', access: 'operator-token' },
];
const OPERATOR_API_TOKEN = 'operator-token-route-access-0123456789abcdef';

const byRoute = (a: CatalogEntry, b: CatalogEntry) =>
  `${a.url} ${a.method}`.localeCompare(`${b.url} ${b.method}`);

let app: FastifyInstance;
let database: TestDatabase;
let config: Config;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({
    database,
    env: { METRICS_TOKEN, OPERATOR_API_TOKEN },
    extraRoutes: (scope) => {
      scope.get('/test/no-policy', async () => ({ secret: 'should never be served' }));
    },
  }));
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('route catalog', () => {
  it('lists exactly the expected routes with their access policies', async () => {
    const { app: plain } = await buildTestApp();
    try {
      expect([...plain.routeCatalog()].sort(byRoute)).toEqual([...EXPECTED_ROUTES].sort(byRoute));
    } finally {
      await plain.close();
    }
  });

  it('adds /metrics behind the metrics token and the operator API behind the operator token when configured', () => {
    const catalog = app.routeCatalog().filter((route) => !route.url.startsWith('/test/'));
    expect([...catalog].sort(byRoute)).toEqual(
      [...EXPECTED_ROUTES, ...METRICS_ROUTES, ...OPERATOR_ROUTES].sort(byRoute),
    );
  });

  it('records a route registered without a policy as having none', () => {
    expect(app.routeCatalog().filter((route) => route.url === '/test/no-policy')).toEqual([
      { method: 'GET', url: '/test/no-policy', access: undefined },
      { method: 'HEAD', url: '/test/no-policy', access: undefined },
    ]);
  });
});

describe('routes without an access policy', () => {
  it.each([
    ['no credentials', {}],
    ['the metrics token', { authorization: `Bearer ${METRICS_TOKEN}` }],
    ['a made-up bearer token', { authorization: 'Bearer anything' }],
  ])('answer 401 to a caller with %s', async (_label, headers) => {
    const response = await app.inject({ method: 'GET', url: '/test/no-policy', headers });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toMatchObject({
      code: 'unauthenticated',
      requestId: response.headers['x-request-id'],
    });
    expect(response.body).not.toContain('should never be served');
  });

  it('still carry the security headers on the 401', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/no-policy' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(String(response.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  });
});

describe('/metrics on the main port', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` }],
    ['the token with an extra character', { authorization: `Bearer ${METRICS_TOKEN}x` }],
    ['the token without the Bearer scheme', { authorization: METRICS_TOKEN }],
    ['the token in another scheme', { authorization: `Basic ${METRICS_TOKEN}` }],
  ])('is 401 with %s', async (_label, headers) => {
    const response = await app.inject({ method: 'GET', url: '/metrics', headers });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthenticated');
    expect(response.body).not.toContain('http_request_duration_seconds');
  });

  it('serves Prometheus text with request durations to the right bearer token', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    const response = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(response.body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/health",status_code="200"\} [1-9]/,
    );
  });

  it('labels unknown URLs as unmatched, never with the raw path', async () => {
    await app.inject({ method: 'GET', url: '/no/such/page/12345' });
    const response = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.body).toContain('route="unmatched"');
    expect(response.body).not.toContain('12345');
  });

  it('does not exist without METRICS_TOKEN', async () => {
    const { app: plain } = await buildTestApp();
    try {
      const response = await plain.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('the separate metrics server', () => {
  it('serves /metrics and nothing else', async () => {
    const metrics = createMetrics();
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/health', status_code: '200' }, 0.01);
    const server = await startMetricsServer(metrics, '127.0.0.1', 0);
    try {
      expect(server.port).toBeGreaterThan(0);
      const base = `http://127.0.0.1:${server.port}`;
      const ok = await fetch(`${base}/metrics`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await ok.text();
      expect(text).toContain(
        'http_request_duration_seconds_count{method="GET",route="/health",status_code="200"} 1',
      );
      expect(text).toContain('process_cpu_seconds_total');

      for (const path of ['/', '/metrics/', '/health']) {
        const response = await fetch(`${base}${path}`);
        expect(response.status, path).toBe(404);
        await response.arrayBuffer();
      }
      const post = await fetch(`${base}/metrics`, { method: 'POST' });
      expect(post.status).toBe(404);
      await post.arrayBuffer();
    } finally {
      await server.close();
    }
  });
});

/**
 * What each API-key scope reaches, as the README's scope table says: a route admits a key only when its
 * policy names a scope (`apiKeyScope`) and the key holds it, or holds `admin`. Every scope is tried on
 * every route of the catalog, so a new route is checked for every scope without being listed here.
 */
describe('API-key scopes', () => {
  const REFUSALS = [
    'The API key lacks the scope this endpoint needs',
    'This endpoint needs a signed-in user',
  ];
  const keyRoutes = () =>
    app.routeCatalog().filter((route) => typeof route.access === 'object' && !route.url.startsWith('/test/'));

  const READ = ['GET', 'HEAD'];
  const at =
    (methods: string[], ...urls: string[]) =>
    (route: CatalogEntry) =>
      methods.includes(route.method) && urls.includes(route.url);
  /** The README's scope table, written out route by route (independently of the routes' own policies). */
  const README_GRANTS: Record<Exclude<Scope, 'admin'>, (route: CatalogEntry) => boolean> = {
    'messages:read': at(
      READ,
      '/api/v1/conversations',
      '/api/v1/conversations/:id',
      '/api/v1/conversations/:id/messages',
      '/api/v1/conversations/:id/notes',
      '/api/v1/messages/:id/media',
      '/api/v1/labels',
      '/api/v1/canned-responses',
      '/api/v1/whatsapp/channels/:id/templates',
      '/api/v1/contacts/:id/conversations',
      '/api/v1/callbacks',
      '/api/v1/inbox/settings',
    ),
    'messages:write': at(
      ['POST', 'PUT'],
      '/api/v1/conversations/:id/messages',
      '/api/v1/conversations/:id/attachments',
      '/api/v1/conversations/:id/ownership',
      '/api/v1/conversations/:id/status',
      '/api/v1/conversations/:id/assignee',
      '/api/v1/conversations/:id/labels',
      '/api/v1/conversations/:id/notes',
      '/api/v1/conversations/:id/snooze',
      '/api/v1/conversations/bulk-actions',
      '/api/v1/callbacks/:id/cancel',
      '/api/v1/callbacks/:id/reschedule',
    ),
    'contacts:read': (route) =>
      at(['POST'], '/api/v1/segments/preview')(route) ||
      at(
        READ,
        '/api/v1/contacts',
        '/api/v1/contacts/:id',
        '/api/v1/contacts/:id/timeline',
        '/api/v1/contacts/:id/consent',
        '/api/v1/pipeline/stages',
        '/api/v1/custom-fields',
        '/api/v1/contacts/export.csv',
        '/api/v1/segments',
        '/api/v1/segments/:id',
      )(route),
    'contacts:write': (route) =>
      at(['PATCH'], '/api/v1/contacts/:id')(route) ||
      at(['POST'], '/api/v1/segments')(route) ||
      at(['PATCH', 'DELETE'], '/api/v1/segments/:id')(route) ||
      at(['POST'], '/api/v1/contacts/:id/consent')(route) ||
      route.url.startsWith('/api/v1/contact-import'),
    'channels:manage': (route) =>
      route.url === '/api/v1/whatsapp/channels' ||
      route.url === '/api/v1/whatsapp/channels/:id' ||
      route.url === '/api/v1/whatsapp/channels/:id/enable' ||
      route.url === '/api/v1/whatsapp/channels/:id/disable',
    'quotes:read': (route) =>
      READ.includes(route.method) &&
      /^\/api\/v1\/(quotes(\/settings|\/:id(\/diff|\/pdf)?)?|catalog\/(items(\/:id)?|search))$/.test(
        route.url,
      ),
    'quotes:write': (route) =>
      (route.method === 'POST' &&
        /^\/api\/v1\/quotes(\/draft-from-conversation|\/:id\/(submit|send))?$/.test(route.url)) ||
      (route.method === 'PUT' && route.url === '/api/v1/quotes/:id'),
    'quotes:approve': (route) =>
      route.url === '/api/v1/quotes/approvals' ||
      /^\/api\/v1\/quotes\/:id\/(approve|reject)$/.test(route.url),
    // The MCP endpoint; which tools a key may call is checked per call (mcp:draft includes mcp:read).
    'mcp:read': (route) => route.url === '/mcp',
    'mcp:draft': (route) => route.url === '/mcp',
  };
  const ADMIN_ONLY = (route: CatalogEntry) =>
    route.url.startsWith('/api/v1/audit-log') ||
    route.url === '/api/v1/api-keys/self' ||
    route.url.startsWith('/api/v1/agent/') ||
    (!READ.includes(route.method) && /^\/api\/v1\/(labels|canned-responses)(\/:id)?$/.test(route.url)) ||
    (!READ.includes(route.method) &&
      /^\/api\/v1\/(catalog\/|quotes\/(settings|templates))/.test(route.url)) ||
    /^\/api\/v1\/(twilio|hubspot|widgets|callback-settings|business-hours|dead-letters|privacy|automations)(\/|$)/.test(
      route.url,
    ) ||
    route.url === '/api/v1/contacts/:id/export' ||
    route.url === '/api/v1/workspace/plan' ||
    route.url.startsWith('/api/v1/reports/') ||
    route.url.startsWith('/api/v1/settings/email-events') ||
    (route.method === 'PUT' && route.url === '/api/v1/inbox/settings') ||
    // Campaigns (ADR 0039) and their reports (ADR 0046): keys need the admin scope.
    /^\/api\/v1\/campaigns(\/|$)/.test(route.url) ||
    (!READ.includes(route.method) && /^\/api\/v1\/(pipeline\/stages|custom-fields)(\/|$)/.test(route.url));

  /** The route's verdict for a key with exactly `scope`, as the README's table states it. */
  function readmeAllows(scope: Scope, route: CatalogEntry): boolean {
    const grants = Object.values(README_GRANTS);
    if (scope === 'admin') return ADMIN_ONLY(route) || grants.some((grant) => grant(route));
    return README_GRANTS[scope](route);
  }

  it('match the README: channels:manage opens the channel endpoints, admin every key-reachable one', () => {
    const reachable = (scope: Scope) =>
      keyRoutes()
        .filter((route) => readmeAllows(scope, route))
        .map((route) => `${route.method} ${route.url}`);
    expect(reachable('channels:manage')).toEqual(
      expect.arrayContaining(['GET /api/v1/whatsapp/channels', 'POST /api/v1/whatsapp/channels']),
    );
    expect(reachable('channels:manage').every((route) => route.includes('/api/v1/whatsapp/channels'))).toBe(
      true,
    );
    for (const scope of SCOPES) expect(reachable(scope).length, scope).toBeGreaterThan(0);
  });

  it('each key is let through exactly on the routes its scope allows', async () => {
    const tenantId = await newTenant(database.db);
    const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
    const actor = {
      userId: owner.userId,
      apiKeyId: null,
      context: { requestId: 'scopes', ip: '127.0.0.1', userAgent: 'vitest' },
    };
    const mismatches: string[] = [];
    let checked = 0;
    for (const scope of SCOPES) {
      const { key } = await createApiKey(database.db, tenantId, actor, {
        name: `Scope ${scope}`,
        scopes: [scope],
        expiresAt: null,
      });
      for (const route of keyRoutes()) {
        const url = route.url.replace(/:[A-Za-z]+/g, () => randomUUID());
        const response = await app.inject({
          method: route.method as 'GET',
          url,
          headers: { authorization: `Bearer ${key}` },
        });
        // HEAD answers have no body: judge them by status alone (a refusal is the only 403 here).
        const refused =
          response.statusCode === 401 ||
          (response.statusCode === 403 &&
            (route.method === 'HEAD' || REFUSALS.includes(response.json().error?.message)));
        const expected = readmeAllows(scope, route);
        // The policy function the app uses must agree with the README's table too.
        const access = route.access as { apiKeyScope?: Scope };
        const policy = access.apiKeyScope !== undefined && scopesAllow([scope], access.apiKeyScope);
        if (refused === expected || policy !== expected) {
          mismatches.push(
            `${scope} ${route.method} ${route.url}: ${response.statusCode} (expected ${expected ? 'allowed' : 'refused'})`,
          );
        }
        checked++;
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(SCOPES.length * 50);
    // Thousands of requests (every scope on every route): generous for a machine shared with other runs.
  }, 420_000);
});
