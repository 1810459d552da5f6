import type { Page } from 'playwright-core';
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

async function requestReset(email: string): Promise<string> {
  await page.goto(`${stack.url}/login`);
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  return (await page.getByRole('status').textContent()) ?? '';
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
    await page.goto(setup.link);
    await page.getByRole('heading', { name: 'Join Leadline' }).waitFor();
    // The token leaves the address bar as soon as the page has read it.
    expect(page.url()).toBe(`${stack.url}/accept-invitation`);
    const password = page.getByLabel('New password');
    expect(await password.getAttribute('autocomplete')).toBe('new-password');

    await password.fill('password');
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('This password is too common; choose another');
    await browser.screenshot(page, 'account-accept-invitation');
    await password.fill('short');
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Password must have at least 8 characters');

    await page.getByLabel('Your name').fill('Frida Owner');
    await password.fill(OWNER_PASSWORD);
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
    await page.getByLabel('New password').fill('another strong passphrase 9');
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/invitation/i);
  });

  it('asks an invited address that already has an account to sign in, then accepts as that account', async () => {
    const invited = await createWorkspaceWithOwnerInvitation(stack.database.db, stack.config, {
      email: FIRST_OWNER,
      workspaceName: 'Second Co',
      requestId: 'test-create-owner',
    });
    await page.goto(invited.link);
    await page.getByLabel('New password').fill('some other passphrase 77');
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/sign in as that user/);
    await page.getByRole('button', { name: 'Sign in to accept' }).click();
    await page.getByLabel('Email').fill(FIRST_OWNER);
    await page.getByLabel('Password').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
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
    await page.goto(`${stack.url}/reset-password#token=${token}`);
    await page.getByRole('heading', { name: 'Reset password' }).waitFor();
    expect(page.url()).toBe(`${stack.url}/reset-password`);
    const password = page.getByLabel('New password');
    expect(await password.getAttribute('autocomplete')).toBe('new-password');
    await password.fill('12345678');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('This password is too common; choose another');
    await password.fill('renewed meadow password 5');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(FIRST_OWNER);
    await page.getByLabel('Password').fill('renewed meadow password 5');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await signOut();
  });

  it('requires the two-factor code of a 2FA account to reset its password', async () => {
    const { operator } = stack;
    await requestReset(operator.email);
    const token = await outboxToken(stack.database.db, operator.email, '/reset-password');
    await page.goto(`${stack.url}/reset-password#token=${token}`);
    await page.getByLabel('New password').fill('second factor keeps guard 3');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Enter a code from your authenticator app or a recovery code');
    await browser.screenshot(page, 'account-reset-two-factor');
    await page.getByLabel('Authentication code').fill(await totpCode(operator.secret));
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(operator.email);
    await page.getByLabel('Password').fill('second factor keeps guard 3');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The reset used this step's code; a code is single-use, so sign-in takes the next step's.
    await page.getByLabel('Authentication code').fill(await totpCode(operator.secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await signOut();
  });

  it('signs up, confirms the address through the mailed link and signs in', async () => {
    const email = 'new.signup@newco.test';
    await page.goto(`${stack.url}/signup`);
    await page.getByLabel('Your name').fill('Sam Signup');
    await page.getByLabel('Workspace name').fill('Signup Co');
    await page.getByLabel('Email').fill(email);
    const password = page.getByLabel('Password');
    expect(await password.getAttribute('autocomplete')).toBe('new-password');
    await password.fill('qwerty123');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('This password is too common; choose another');
    await password.fill('signup orchard ladder 12');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/Check your mailbox/);
    expect((await findUserByEmail(stack.database.db, email))?.emailVerifiedAt).toBeNull();

    const token = await outboxToken(stack.database.db, email, '/verify-email');
    await page.goto(`${stack.url}/verify-email#token=${token}`);
    const confirm = page.getByRole('button', { name: 'Confirm address' });
    await confirm.waitFor();
    expect(page.url()).toBe(`${stack.url}/verify-email`);
    await confirm.click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Your e-mail address is confirmed.');
    expect((await findUserByEmail(stack.database.db, email))?.emailVerifiedAt).toBeInstanceOf(Date);

    await page.getByRole('link', { name: 'Continue to Leadline' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('signup orchard ladder 12');
    await page.getByRole('button', { name: 'Sign in' }).click();
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
