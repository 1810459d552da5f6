import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { type Runtime, startRuntime } from '../../src/server.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import {
  change,
  envelope,
  messages,
  serialise,
  signedHeaders,
  status,
} from '../fakes/meta-webhook-client.js';
import { ACCOUNT_PASSWORD, createAccount, totpCode } from './account-session.js';
import { testConfig } from './config.js';
import { freePort } from './free-port.js';
import { captureLogger } from './log-capture.js';
import { type ConversationFixture, createConversation } from './outbound-fixtures.js';
import { newTenant } from './tenant-members.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** The app secret createConversation() seals for its channel: what Meta signs webhooks with. */
const APP_SECRET = 'app-secret';

export interface DashboardStack {
  readonly url: string;
  readonly config: Config;
  readonly database: TestDatabase;
  readonly fake: FakeGraphApi;
  readonly tenantId: string;
  readonly channel: ConversationFixture;
  readonly operator: { email: string; password: string; secret: string; userId: string };
  /** Posts one signed text delivery from `from` (with a profile name) to the channel's webhook. */
  customerWrites(input: { from: string; name: string; body: string }): Promise<void>;
  /** Posts Meta's signed status webhook for a sent message (its wamid) to the channel's webhook. */
  metaReports(wamid: string, recipient: string, state: 'sent' | 'delivered' | 'read'): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real Leadline process (HTTP with the built dashboard, and the job worker) on 127.0.0.1, on a cloned
 * database, talking to the fake Graph API (and `privateHosts`, other local fakes); one workspace with a WhatsApp channel and an owner whose
 * account has two-factor authentication. `env` adds configuration (e.g. OPEN_SIGNUP).
 */
export async function startDashboardStack(
  options: { env?: Record<string, string>; privateHosts?: string[] } = {},
): Promise<DashboardStack> {
  const database = await createTestDatabase();
  const fake = await startFakeGraphApi();
  const blobDir = await mkdtemp(path.join(tmpdir(), 'leadline-blobs-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = testConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: database.ownerUrl,
    DATABASE_APP_URL: database.appUrl,
    WHATSAPP_GRAPH_API_URL: fake.url,
    // Other local fakes (e.g. Twilio's) the app may call besides the Graph API.
    OUTBOUND_ALLOW_PRIVATE_HOSTS: [fake.hostPort, ...(options.privateHosts ?? [])].join(','),
    BLOB_DIR: blobDir,
    WORKER_POLL_INTERVAL_MS: '100',
    WEBHOOK_BATCH_WINDOW_MS: '0',
    RATE_LIMIT_API_PER_MINUTE: '100000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_WEBHOOK_PER_MINUTE: '100000',
    ...options.env,
  });
  let runtime: Runtime | undefined;
  try {
    runtime = await startRuntime(config, {
      http: true,
      worker: true,
      migrate: false,
      stopEmbedded: 'if-started-here',
      logger: captureLogger().logger,
    });
    const tenantId = await newTenant(database.db, 'Acme Sales');
    const account = await createAccount(database.db, config, {
      twoFactor: true,
      verified: true,
      email: 'owner@acme.test',
    });
    await withTenant(database.db, tenantId, (trx) =>
      trx.insertInto('memberships').values({ userId: account.user.id, role: 'owner' }).execute(),
    );
    const channel = await createConversation(database.db, config, {
      tenantId,
      accessToken: fake.accessToken,
    });
    const running = runtime;
    const postWebhook = async (value: ReturnType<typeof change>) => {
      const bytes = serialise(envelope([{ changes: [value] }]));
      const response = await fetch(`${url}/webhooks/whatsapp/${channel.channelId}`, {
        method: 'POST',
        headers: signedHeaders(APP_SECRET, bytes),
        body: bytes,
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    };
    return {
      url,
      config,
      database,
      fake,
      tenantId,
      channel,
      operator: {
        email: 'owner@acme.test',
        password: ACCOUNT_PASSWORD,
        secret: account.secret as string,
        userId: account.user.id,
      },
      customerWrites: ({ from, name, body }) =>
        postWebhook(
          change(channel.phoneNumberId, {
            contacts: [{ profile: { name }, wa_id: from }],
            messages: [messages.text({ from, body })],
          }),
        ),
      metaReports: (wamid, recipient, state) =>
        postWebhook(
          change(channel.phoneNumberId, {
            statuses: [status({ id: wamid, status: state, recipient_id: recipient })],
          }),
        ),
      close: async () => {
        await running.close();
        await fake.close();
        await database.drop();
        await rm(blobDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await runtime?.close();
    await fake.close();
    await database.drop();
    throw error;
  }
}

/** Signs the stack's operator in through the page (password, then the TOTP code) and waits for the inbox. */
export async function signInThroughPage(
  page: Page,
  stack: DashboardStack,
  baseUrl: string = stack.url,
): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Email').fill(stack.operator.email);
  await page.getByLabel('Password').fill(stack.operator.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Authentication code').fill(await totpCode(stack.operator.secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
}
