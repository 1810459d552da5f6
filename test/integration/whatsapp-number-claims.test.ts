import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProveChannelTask,
  NOT_CONFIRMED,
  PROVEN_ELSEWHERE,
} from '../../src/channels/whatsapp/prove-channel.task.js';
import type { Config } from '../../src/platform/config/config.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { buildTestApp } from '../support/app.js';
import type { CapturedLogger } from '../support/log-capture.js';
import { type OutboundHarness, outboundHarness, runTask } from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// Issue 11 item 2: an admin of workspace B tries to learn whether some workspace connected a phone number
// id, and to connect the real owner's number first so that the owner gets 409.

const ATTACKER_TOKEN = 'EAAG-attacker-token-of-workspace-b';
const APP_SECRET = 'meta-app-secret-0123456789';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let logs: CapturedLogger;
let fake: FakeGraphApi;
let harness: OutboundHarness;
let proveTask: ReturnType<typeof createProveChannelTask>;
let ownerA: SignedInMember;
let adminB: SignedInMember;
let sequence = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  fake.addToken(ATTACKER_TOKEN);
  ({ app, config, logs } = await buildTestApp({ database }));
  harness = outboundHarness(database, config, fake, logs.logger);
  proveTask = createProveChannelTask(harness.outbound);
  ownerA = await signedInMember(database.db, config, {
    tenantId: await newTenant(database.db, 'Owner A'),
    role: 'owner',
  });
  adminB = await signedInMember(database.db, config, {
    tenantId: await newTenant(database.db, 'Attacker B'),
    role: 'admin',
  });
});

afterAll(async () => {
  await app?.close();
  await harness?.close();
  await fake?.close();
  await database?.drop();
});

/** A phone number id of workspace A's business, which only A's token controls at Meta. */
function ownersNumber(): string {
  sequence++;
  const id = `5100000000${sequence}`;
  fake.addPhoneNumber(id, { token: fake.accessToken });
  return id;
}

function connect(member: SignedInMember, phoneNumberId: string, accessToken: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/whatsapp/channels',
    headers: member.headers,
    payload: {
      name: 'Sales line',
      phoneNumberId,
      displayPhoneNumber: '+1 555 010 0000',
      wabaId: '102290129340398',
      accessToken,
      appSecret: APP_SECRET,
    },
  });
}

/** The proof job the connection enqueued, run as the worker would. */
async function prove(member: SignedInMember, channelId: string): Promise<void> {
  await runTask(database.db, proveTask, member.tenantId, { channelId }, { logger: logs.logger });
}

async function channel(member: SignedInMember, id: string) {
  const response = await app.inject({
    method: 'GET',
    url: `/api/v1/whatsapp/channels/${id}`,
    headers: member.headers,
  });
  const { verified, verificationError, disabled } = response.json();
  return { verified, verificationError, disabled } as {
    verified: boolean;
    verificationError: string | null;
    disabled: boolean;
  };
}

/** What an answer tells apart from another: its status and its body without what is per channel. */
const PER_CHANNEL = new Set(['id', 'verifyToken', 'webhookUrl', 'phoneNumberId', 'createdAt', 'updatedAt']);
function shape(response: { statusCode: number; json(): Record<string, unknown> }) {
  const body = response.json();
  const shared = Object.fromEntries(Object.entries(body).filter(([key]) => !PER_CHANNEL.has(key)));
  return { status: response.statusCode, body: shared, keys: Object.keys(body).sort() };
}

describe('claiming another workspace’s WhatsApp number', () => {
  it('tells B nothing about whether a number is connected: a connected and an unknown number answer alike', async () => {
    const taken = ownersNumber();
    const created = await connect(ownerA, taken, fake.accessToken);
    expect(created.statusCode, created.body).toBe(201);
    await prove(ownerA, created.json().id);
    expect(await channel(ownerA, created.json().id)).toMatchObject({
      verified: true,
      verificationError: null,
    });

    const onTaken = await connect(adminB, taken, ATTACKER_TOKEN);
    const onUnknown = await connect(adminB, ownersNumber(), ATTACKER_TOKEN);
    expect(onTaken.statusCode).toBe(201);
    expect(shape(onTaken)).toEqual(shape(onUnknown));

    // B's proofs: Meta refuses B's token for both numbers alike.
    await prove(adminB, onTaken.json().id);
    await prove(adminB, onUnknown.json().id);
    expect(await channel(adminB, onTaken.json().id)).toEqual(await channel(adminB, onUnknown.json().id));
    expect(await channel(adminB, onTaken.json().id)).toMatchObject({
      verified: false,
      verificationError: NOT_CONFIRMED,
    });
    // A keeps its number.
    expect(await channel(ownerA, created.json().id)).toMatchObject({ verified: true, disabled: false });
  });

  it('does not let B block the real owner by connecting the number first', async () => {
    const number = ownersNumber();
    const squat = await connect(adminB, number, ATTACKER_TOKEN);
    expect(squat.statusCode).toBe(201);
    await prove(adminB, squat.json().id);

    const owner = await connect(ownerA, number, fake.accessToken);
    expect(owner.statusCode, owner.body).toBe(201);
    await prove(ownerA, owner.json().id);
    expect(await channel(ownerA, owner.json().id)).toMatchObject({ verified: true, verificationError: null });
    expect(await channel(adminB, squat.json().id)).toMatchObject({ verified: false });
  });

  it('holds a proven number exclusively: a second workspace whose token Meta also accepts is told so', async () => {
    const number = ownersNumber();
    const first = await connect(ownerA, number, fake.accessToken);
    await prove(ownerA, first.json().id);
    // B holds a token Meta accepts for this number: B controls it too, so B may learn it is taken.
    const second = await connect(adminB, number, fake.accessToken);
    expect(second.statusCode).toBe(201);
    await prove(adminB, second.json().id);
    expect(await channel(adminB, second.json().id)).toMatchObject({
      verified: false,
      verificationError: PROVEN_ELSEWHERE,
    });
  });

  it('proves a new access token anew', async () => {
    const number = ownersNumber();
    const created = await connect(ownerA, number, fake.accessToken);
    await prove(ownerA, created.json().id);
    const changed = await app.inject({
      method: 'PATCH',
      url: `/api/v1/whatsapp/channels/${created.json().id}`,
      headers: ownerA.headers,
      payload: { accessToken: ATTACKER_TOKEN },
    });
    expect(changed.json()).toMatchObject({ verified: false, verificationError: null });
    await prove(ownerA, created.json().id);
    expect(await channel(ownerA, created.json().id)).toMatchObject({
      verified: false,
      verificationError: NOT_CONFIRMED,
    });
  });
});
