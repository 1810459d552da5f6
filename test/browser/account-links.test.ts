import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByEmail } from '../../src/accounts/accounts.repository.js';
import { createWorkspaceWithOwnerInvitation } from '../../src/tenants/first-owner.js';
import { totpCode } from '../support/account-session.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { type DashboardStack, startDashboardStack } from '../support/dashboard-stack.js';
import { outboxToken } from '../support/queued-mail.js';

/**
 * The links Leadline mails and prints, followed in Debian's Chromium against a real Leadline process:
 * the first owner's invitation (what `leadline admin create-owner` prints), forgotten-password reset
 * with and without two-factor authentication, sign-up (OPEN_SIGNUP) and address confirmation. Tokens
 * come from where a person
 * gets them: the printed link, or the local mail outbox the worker delivers to.
 */

let stack: DashboardStack;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];
const cspViolations: string[] = [];
const FIRST_OWNER = 'first.owner@newco.test';
const OWNER_PASSWORD = 'quartz lantern orchard 2026';

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startDashboardStack({ env: { OPEN_SIGNUP: 'true' } });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
}

/** Signs in on the sign-in page shown now (with the next step's TOTP code when `secret` is given). */
async function signIn(email: string, password: string, secret?: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (secret) {
    // A code is single-use: the reset before took this step's, so sign-in gives the next one.
    await page.getByLabel('Authentication code').fill(await totpCode(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
  }
}

/** Opens a mailed or printed link; the page must read the token and take it out of the address bar. */
async function openLink(link: string, ready: Locator): Promise<void> {
  await page.goto(link);
  await ready.waitFor();
  expect(page.url()).toBe(link.slice(0, link.indexOf('#')));
}

/** Submits a password; the server's refusal must be the message shown. */
async function expectRefused(button: string, password: string, message: string | RegExp): Promise<void> {
  const field = page.locator('input[autocomplete="new-password"]');
  await field.fill(password);
  await page.getByRole('button', { name: button }).click();
  await expect.poll(() => page.getByRole('alert').textContent()).toMatch(message);
}

const TOO_COMMON = 'This password is too common; choose another';
const resetHeading = () => page.getByRole('heading', { name: 'Reset password' });

async function requestReset(email: string): Promise<string> {
  await page.goto(`${stack.url}/login`);
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  return (await page.getByRole('status').textContent()) ?? '';
}

async function resetPasswordThroughMail(email: string, password: string): Promise<void> {
  await requestReset(email);
  const token = await outboxToken(stack.database.db, email, '/reset-password');
  await openLink(`${stack.url}/reset-password#token=${token}`, resetHeading());
  await page.getByLabel('New password').fill(password);
}

describe('account links in a browser', { timeout: 60_000 }, () => {
  it('lets the first owner choose a password through the create-owner link and lands signed in', async () => {
    // What `leadline admin create-owner --email … --workspace …` runs and prints.
    const setup = await createWorkspaceWithOwnerInvitation(stack.database.db, stack.config, {
      email: FIRST_OWNER,
      workspaceName: 'Newco',
      requestId: 'test-create-owner',
    });
    expect(setup.link).toMatch(/\/accept-invitation#token=/);
    await openLink(setup.link, page.getByRole('heading', { name: 'Join Leadline' }));
    expect(await page.getByLabel('New password').getAttribute('autocomplete')).toBe('new-password');
    await expectRefused('Accept and sign in', 'password', TOO_COMMON);
    await browser.screenshot(page, 'account-accept-invitation');
    await expectRefused('Accept and sign in', 'short', 'Password must have at least 8 characters');

    await page.getByLabel('Your name').fill('Frida Owner');
    await page.getByLabel('New password').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/inbox');
    expect(await page.locator('.workspace').textContent()).toBe('Newco');
    expect(await page.locator('.topbar .user').textContent()).toBe(FIRST_OWNER);
    const owner = await findUserByEmail(stack.database.db, FIRST_OWNER);
    expect(owner?.displayName).toBe('Frida Owner');
    await browser.screenshot(page, 'account-first-owner-inbox');

    // The link is single-use: opened again, it explains instead of creating anything.
    await signOut();
    await page.goto(setup.link);
    await expectRefused('Accept and sign in', 'another strong passphrase 9', /invalid or has expired/);
  });

  it('asks an invited address that already has an account to sign in, then accepts as that account', async () => {
    const invited = await createWorkspaceWithOwnerInvitation(stack.database.db, stack.config, {
      email: FIRST_OWNER,
      workspaceName: 'Second Co',
      requestId: 'test-create-owner',
    });
    // The tab is still at /accept-invitation: only the fragment changes, and the page must follow it.
    await page.goto(invited.link);
    await expectRefused('Accept and sign in', 'some other passphrase 77', /sign in as that user/);
    await page.getByRole('button', { name: 'Sign in to accept' }).click();
    await signIn(FIRST_OWNER, OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Workspace' }).inputValue()).toBe(invited.tenantId);
    await signOut();
  });

  it('resets a forgotten password through the mailed link, with the same answer for unknown addresses', async () => {
    const unknown = await requestReset('nobody@newco.test');
    const known = await requestReset(FIRST_OWNER);
    expect(known).toBe(unknown);
    expect(known).toMatch(/If this address belongs to an account/);

    const token = await outboxToken(stack.database.db, FIRST_OWNER, '/reset-password');
    await openLink(`${stack.url}/reset-password#token=${token}`, resetHeading());
    await expectRefused('Set new password', '12345678', TOO_COMMON);
    await page.getByLabel('New password').fill('renewed meadow password 5');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();

    await page.getByRole('link', { name: 'Sign in' }).click();
    await signIn(FIRST_OWNER, 'renewed meadow password 5');
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await signOut();
  });

  it('requires the two-factor code of a 2FA account to reset its password', async () => {
    const { operator } = stack;
    await resetPasswordThroughMail(operator.email, 'second factor keeps guard 3');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Enter a code from your authenticator app or a recovery code');
    await browser.screenshot(page, 'account-reset-two-factor');
    await page.getByLabel('Authentication code').fill(await totpCode(operator.secret));
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();

    await page.getByRole('link', { name: 'Sign in' }).click();
    await signIn(operator.email, 'second factor keeps guard 3', operator.secret);
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await signOut();
  });

  it('signs up, confirms the address through the mailed link and signs in', async () => {
    const email = 'new.signup@newco.test';
    await page.goto(`${stack.url}/signup`);
    await page.getByLabel('Your name').fill('Sam Signup');
    await page.getByLabel('Workspace name').fill('Signup Co');
    await page.getByLabel('Email').fill(email);
    await expectRefused('Create account', 'qwerty123', TOO_COMMON);
    await page.getByLabel('Password').fill('signup orchard ladder 12');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/Check your mailbox/);

    // The account is made by the sign-up job, which also mails the link (the answer came first).
    const token = await outboxToken(stack.database.db, email, '/verify-email');
    expect((await findUserByEmail(stack.database.db, email))?.emailVerifiedAt).toBeNull();
    const confirm = page.getByRole('button', { name: 'Confirm address' });
    await openLink(`${stack.url}/verify-email#token=${token}`, confirm);
    await confirm.click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Your e-mail address is confirmed.');
    expect((await findUserByEmail(stack.database.db, email))?.emailVerifiedAt).toBeInstanceOf(Date);

    await page.getByRole('link', { name: 'Continue to Leadline' }).click();
    await signIn(email, 'signup orchard ladder 12');
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    expect(await page.locator('.workspace').textContent()).toBe('Signup Co');
    await signOut();
  });

  it('shows the sign-in page at /login and needed nothing the CSP forbids', async () => {
    await page.goto(`${stack.url}/login`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
