import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.repository.js';
import type { Config } from '../platform/config/config.js';
import { randomToken, sha256 } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { invitationLink } from './invitation-mail.js';
import { insertInvitation } from './invitations.repository.js';
import { INVITATION_TTL_MS } from './invitations.service.js';
import { insertCurrentTenant } from './tenants.repository.js';

/** The address of the owner invited by the development setup link (no address is known at first start). */
export const DEVELOPMENT_OWNER_EMAIL = 'owner@leadline.localhost';

export interface OwnerSetup {
  tenantId: string;
  invitationId: string;
  /** One-time link: whoever opens it sets the owner's password. Printed, never mailed or stored. */
  link: string;
  expiresAt: Date;
}

/**
 * Creates a workspace and a single-use owner invitation for it, returning the accept link. There is no
 * default account (ASVS 6.3.2): the first owner chooses their own password through the invitation flow,
 * which also checks it against the password rules.
 */
export async function createWorkspaceWithOwnerInvitation(
  db: Db,
  config: Config,
  input: { email: string; workspaceName: string; requestId: string; firstOwnerSetup?: boolean },
): Promise<OwnerSetup> {
  const token = randomToken(32);
  // One transaction: a failure leaves neither an empty workspace nor an invitation behind.
  const { tenant, invitation } = await withTenant(db, randomUUID(), async (trx) => {
    const tenant = await insertCurrentTenant(trx, input.workspaceName);
    const created = await insertInvitation(trx, {
      email: input.email,
      role: 'owner',
      tokenHash: sha256(token),
      invitedBy: null,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      firstOwnerSetup: input.firstOwnerSetup ?? false,
    });
    await recordAudit(trx, {
      action: 'invitation.created',
      tenantId: tenant.id,
      context: { requestId: input.requestId, ip: 'local', userAgent: 'leadline-cli' },
      detail: { invitationId: created.id, email: created.email, role: 'owner', setup: true },
    });
    return { tenant, invitation: created };
  });
  return {
    tenantId: tenant.id,
    invitationId: invitation.id,
    link: invitationLink(config.http.publicUrl, token),
    expiresAt: invitation.expiresAt,
  };
}

/** True when no workspace has an owner yet: the state in which `serve` prints a setup link in development. */
export async function hasNoOwner(db: Db): Promise<boolean> {
  const { rows } = await sql<{ exists: boolean }>`select auth_any_owner_exists() as exists`.execute(db);
  return rows[0]?.exists !== true;
}

/**
 * At a development start while no workspace has an owner, creates a workspace with an owner invitation
 * and logs its link, so a fresh checkout is usable without a default password. The link is a first-owner
 * setup link: it stops working as soon as any owner exists (whoever became one, through it or not), and
 * once one does, no start logs a link again. Production never does this.
 */
export async function announceDevelopmentSetup(
  db: Db,
  config: Config,
  logger: { warn(object: object, message: string): void },
): Promise<OwnerSetup | undefined> {
  if (config.env !== 'development' || !(await hasNoOwner(db))) return undefined;
  const setup = await createWorkspaceWithOwnerInvitation(db, config, {
    email: DEVELOPMENT_OWNER_EMAIL,
    workspaceName: 'My workspace',
    requestId: 'development-setup',
    firstOwnerSetup: true,
  });
  logger.warn(
    { tenantId: setup.tenantId, expiresAt: setup.expiresAt.toISOString() },
    `No accounts yet. Open this one-time link to choose the first owner's password (sign-in address ${DEVELOPMENT_OWNER_EMAIL}): ${setup.link}`,
  );
  return setup;
}
