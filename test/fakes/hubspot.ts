import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake HubSpot on loopback speaking the v3 CRM API as Leadline uses it: account details, contact and
 * deal properties, batch upsert by a unique property (up to 100 inputs), the default deal-to-contact
 * association (v4), GDPR delete. Every answer carries the rate-limit headers of a private app; past the
 * published limit (a rolling window per account) it answers 429 with Retry-After and HubSpot's error
 * envelope. Everything is recorded for assertions.
 */
export interface FakeHubspotOptions {
  /** Private-app tokens the account accepts. */
  tokens?: string[];
  portalId?: number;
  /** The published limit: requests per rolling interval (private apps: 100 or 190 per 10 s). */
  maxPerInterval?: number;
  intervalMs?: number;
  dailyLimit?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
  at: number;
}

interface HubObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  writes: number;
}

const MAX_BATCH = 100;

export class FakeHubspot {
  readonly requests: RecordedRequest[] = [];
  readonly contacts = new Map<string, HubObject>();
  readonly deals = new Map<string, HubObject>();
  readonly associations = new Set<string>();
  /** Tasks created (CRM v3 tasks): their properties and the contact ids they are associated with. */
  readonly tasks: { id: string; properties: Record<string, string>; contactIds: string[] }[] = [];
  readonly gdprDeleted: { idProperty: string | undefined; objectId: string }[] = [];
  readonly properties = {
    contacts: new Map<string, Record<string, unknown>>(),
    deals: new Map<string, Record<string, unknown>>(),
  };
  tooManyRequests = 0;
  /** Answers the next `count` API calls with this status (a 5xx outage, say). */
  private failures: { count: number; status: number } = { count: 0, status: 500 };
  private readonly window: number[] = [];
  private dailyUsed = 0;
  private nextId = 1000;
  private server: Server | undefined;
  readonly tokens: Set<string>;
  readonly portalId: number;
  maxPerInterval: number;
  readonly intervalMs: number;
  readonly dailyLimit: number;
  url = '';

  constructor(options: FakeHubspotOptions = {}) {
    this.tokens = new Set(options.tokens ?? ['pat-eu1-11111111-2222-3333-4444-555555555555']);
    this.portalId = options.portalId ?? 24_681_357;
    this.maxPerInterval = options.maxPerInterval ?? 190;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.dailyLimit = options.dailyLimit ?? 1_000_000;
    for (const name of [
      'email',
      'firstname',
      'lastname',
      'phone',
      'company',
      'lifecyclestage',
      'hs_lead_status',
    ]) {
      this.properties.contacts.set(name, { name, type: 'string', hubspotDefined: true });
    }
    for (const name of ['dealname', 'amount', 'dealstage', 'pipeline', 'closedate', 'deal_currency_code']) {
      this.properties.deals.set(name, { name, type: 'string', hubspotDefined: true });
    }
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.send(res, 500, { status: 'error', message: String(error), category: 'INTERNAL_ERROR' });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  failNext(count: number, status = 503): void {
    this.failures = { count, status };
  }

  /** The contact HubSpot holds for a unique property's value (leadline_id, or email). */
  contactBy(property: string, value: string): HubObject | undefined {
    const id = this.index.contacts.get(`${property}\u0000${value}`);
    return id === undefined ? undefined : this.contacts.get(id);
  }

  dealBy(property: string, value: string): HubObject | undefined {
    const id = this.index.deals.get(`${property}\u0000${value}`);
    return id === undefined ? undefined : this.deals.get(id);
  }

  /** Unique-property lookups (leadline_id, email, leadline_quote_id), as HubSpot indexes them. */
  private readonly index = { contacts: new Map<string, string>(), deals: new Map<string, string>() };

  private reindex(objectType: 'contacts' | 'deals', object: HubObject, add: boolean): void {
    for (const name of ['leadline_id', 'email', 'leadline_quote_id']) {
      const value = object.properties[name];
      if (!value) continue;
      if (add) this.index[objectType].set(`${name}\u0000${value}`, object.id);
      else this.index[objectType].delete(`${name}\u0000${value}`);
    }
  }

  /** Writes to objects: an upsert input counts once per object it touched. */
  get contactWrites(): number {
    let writes = 0;
    for (const contact of this.contacts.values()) writes += contact.writes;
    return writes;
  }

  /** Objects sharing a leadline_id (must be none). */
  duplicateContacts(): number {
    const seen = new Map<string, number>();
    for (const contact of this.contacts.values()) {
      const id = contact.properties.leadline_id;
      if (id) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const count of seen.values()) duplicates += count - 1;
    return duplicates;
  }

  callsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  private correlation() {
    return randomUUID();
  }

  private error(res: ServerResponse, status: number, category: string, message: string, extra = {}) {
    this.send(res, status, {
      status: 'error',
      message,
      correlationId: this.correlation(),
      category,
      ...extra,
    });
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  /** A rolling window per account, counted on every authenticated call (as HubSpot does). */
  private admit(now: number): { ok: boolean; headers: Record<string, string>; retryAfterMs: number } {
    while (this.window.length > 0 && (this.window[0] as number) <= now - this.intervalMs) this.window.shift();
    const ok = this.window.length < this.maxPerInterval && this.dailyUsed < this.dailyLimit;
    if (ok) {
      this.window.push(now);
      this.dailyUsed += 1;
    }
    const oldest = this.window[0] ?? now;
    return {
      ok,
      retryAfterMs: Math.max(1, oldest + this.intervalMs - now),
      headers: {
        'x-hubspot-ratelimit-max': String(this.maxPerInterval),
        'x-hubspot-ratelimit-remaining': String(Math.max(0, this.maxPerInterval - this.window.length)),
        'x-hubspot-ratelimit-interval-milliseconds': String(this.intervalMs),
        'x-hubspot-ratelimit-daily': String(this.dailyLimit),
        'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, this.dailyLimit - this.dailyUsed)),
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const method = req.method ?? 'GET';
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const record: RecordedRequest = { method, path, body, status: 0, at: Date.now() };
    this.requests.push(record);
    const originalWriteHead = res.writeHead.bind(res);
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      record.status = status;
      return (originalWriteHead as (...args: unknown[]) => ServerResponse)(status, ...rest);
    }) as typeof res.writeHead;

    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) {
      this.error(res, 401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found.');
      return;
    }
    const limit = this.admit(Date.now());
    for (const [name, value] of Object.entries(limit.headers)) res.setHeader(name, value);
    if (!limit.ok) {
      this.tooManyRequests += 1;
      res.setHeader('retry-after', String(Math.ceil(limit.retryAfterMs / 1000)));
      this.error(res, 429, 'RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', {
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      });
      return;
    }
    if (this.failures.count > 0) {
      this.failures.count -= 1;
      this.error(res, this.failures.status, 'INTERNAL_ERROR', 'Service unavailable');
      return;
    }
    this.route(method, path, body, res);
  }

  private route(method: string, path: string, body: unknown, res: ServerResponse): void {
    if (method === 'GET' && path === '/account-info/v3/details') {
      this.send(res, 200, {
        portalId: this.portalId,
        accountType: 'STANDARD',
        timeZone: 'Europe/Rome',
        companyCurrency: 'EUR',
        uiDomain: 'app-eu1.hubspot.com',
        dataHostingLocation: 'eu1',
      });
      return;
    }
    const property = /^\/crm\/v3\/properties\/(contacts|deals)(?:\/([a-z0-9_]+))?$/.exec(path);
    if (property) {
      const store = this.properties[property[1] as 'contacts' | 'deals'];
      if (method === 'GET' && property[2]) {
        const found = store.get(property[2]);
        if (found) this.send(res, 200, found);
        else this.error(res, 404, 'OBJECT_NOT_FOUND', `Unable to find property ${property[2]}`);
        return;
      }
      if (method === 'POST' && !property[2]) {
        const input = body as { name?: string; type?: string; hasUniqueValue?: boolean } | undefined;
        if (!input?.name || !/^[a-z][a-z0-9_]*$/.test(input.name) || !input.type) {
          this.error(res, 400, 'VALIDATION_ERROR', 'Property name and type are required');
          return;
        }
        if (store.has(input.name)) {
          this.error(res, 409, 'OBJECT_ALREADY_EXISTS', `A property named '${input.name}' already exists.`);
          return;
        }
        store.set(input.name, { ...input, hubspotDefined: false });
        this.send(res, 201, store.get(input.name));
        return;
      }
    }
    const upsert = /^\/crm\/v3\/objects\/(contacts|deals)\/batch\/upsert$/.exec(path);
    if (method === 'POST' && upsert) {
      this.batchUpsert(upsert[1] as 'contacts' | 'deals', body, res);
      return;
    }
    const association = /^\/crm\/v4\/objects\/deals\/(\d+)\/associations\/default\/contacts\/(\d+)$/.exec(
      path,
    );
    if (method === 'PUT' && association) {
      const [, dealId, contactId] = association as unknown as [string, string, string];
      if (!this.deals.has(dealId) || !this.contacts.has(contactId)) {
        this.error(res, 404, 'OBJECT_NOT_FOUND', 'One of the objects does not exist');
        return;
      }
      this.associations.add(`${dealId}:${contactId}`);
      this.send(res, 200, {
        status: 'COMPLETE',
        results: [{ from: { id: dealId }, to: { id: contactId }, associationSpec: {} }],
      });
      return;
    }
    if (method === 'POST' && path === '/crm/v3/objects/tasks') {
      this.createTask(body, res);
      return;
    }
    if (method === 'POST' && path === '/crm/v3/objects/contacts/gdpr-delete') {
      const input = body as { objectId?: string; idProperty?: string } | undefined;
      if (!input?.objectId) {
        this.error(res, 400, 'VALIDATION_ERROR', 'objectId is required');
        return;
      }
      const found = input.idProperty
        ? this.contactBy(input.idProperty, input.objectId)
        : this.contacts.get(input.objectId);
      this.gdprDeleted.push({ idProperty: input.idProperty, objectId: input.objectId });
      if (!found) {
        this.error(res, 404, 'OBJECT_NOT_FOUND', 'resource not found');
        return;
      }
      this.reindex('contacts', found, false);
      this.contacts.delete(found.id);
      this.send(res, 204, undefined);
      return;
    }
    this.error(res, 404, 'OBJECT_NOT_FOUND', `No route for ${method} ${path}`);
  }

  /** HubSpot's create-task call: hs_timestamp is required; associations name existing contacts. */
  private createTask(body: unknown, res: ServerResponse): void {
    const input = body as
      | {
          properties?: Record<string, unknown>;
          associations?: { to?: { id?: string }; types?: { associationTypeId?: number }[] }[];
        }
      | undefined;
    const properties = input?.properties;
    if (
      !properties ||
      typeof properties.hs_timestamp !== 'string' ||
      Number.isNaN(Date.parse(properties.hs_timestamp))
    ) {
      this.error(res, 400, 'VALIDATION_ERROR', 'Property values were not valid: hs_timestamp is required');
      return;
    }
    const contactIds: string[] = [];
    for (const association of input?.associations ?? []) {
      const id = association.to?.id;
      if (!id || !this.contacts.has(id) || association.types?.[0]?.associationTypeId !== 204) {
        this.error(res, 400, 'VALIDATION_ERROR', 'Invalid association');
        return;
      }
      contactIds.push(id);
    }
    const id = String(this.nextId++);
    const stored = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, String(v)]));
    this.tasks.push({ id, properties: stored, contactIds });
    this.send(res, 201, { id, properties: stored, createdAt: new Date().toISOString(), archived: false });
  }

  private batchUpsert(objectType: 'contacts' | 'deals', body: unknown, res: ServerResponse): void {
    const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) {
      this.error(res, 400, 'VALIDATION_ERROR', 'inputs must be a non-empty array');
      return;
    }
    if (inputs.length > MAX_BATCH) {
      this.error(res, 400, 'VALIDATION_ERROR', `Batch size must be at most ${MAX_BATCH}`);
      return;
    }
    const store = objectType === 'contacts' ? this.contacts : this.deals;
    const known = this.properties[objectType];
    const results: unknown[] = [];
    const errors: unknown[] = [];
    const now = new Date().toISOString();
    for (const input of inputs as {
      idProperty?: string;
      id?: string;
      properties?: Record<string, string>;
    }[]) {
      const idProperty = input.idProperty;
      if (!idProperty || !input.id || !known.get(idProperty)) {
        this.error(res, 400, 'VALIDATION_ERROR', 'Each input needs an id and a unique idProperty');
        return;
      }
      const properties = { ...(input.properties ?? {}), [idProperty]: input.id };
      const unknown = Object.keys(properties).find((name) => !known.has(name));
      if (unknown) {
        this.error(res, 400, 'VALIDATION_ERROR', `Property "${unknown}" does not exist`, {
          errors: [{ code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: [unknown] } }],
        });
        return;
      }
      if (
        properties.email !== undefined &&
        properties.email !== null &&
        !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(properties.email)
      ) {
        errors.push({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: `Property values were not valid: email "${properties.email}" is invalid`,
          context: { ids: [input.id] },
        });
        continue;
      }
      let existing =
        objectType === 'contacts' ? this.contactBy(idProperty, input.id) : this.dealBy(idProperty, input.id);
      if (!existing && objectType === 'contacts' && properties.email) {
        const byEmail = this.contactBy('email', properties.email);
        if (byEmail && idProperty !== 'email') {
          errors.push({
            status: 'error',
            category: 'CONFLICT',
            message: `Contact already exists. Existing ID: ${byEmail.id}`,
            context: { ids: [input.id] },
          });
          continue;
        }
      }
      const isNew = !existing;
      if (!existing) {
        existing = { id: String(this.nextId++), properties: {}, createdAt: now, updatedAt: now, writes: 0 };
        store.set(existing.id, existing);
      }
      this.reindex(objectType, existing, false);
      existing.properties = { ...existing.properties, ...properties };
      this.reindex(objectType, existing, true);
      existing.updatedAt = now;
      existing.writes += 1;
      results.push({
        id: existing.id,
        properties: existing.properties,
        createdAt: existing.createdAt,
        updatedAt: existing.updatedAt,
        archived: false,
        new: isNew,
      });
    }
    const envelope = {
      status: 'COMPLETE',
      results,
      startedAt: now,
      completedAt: new Date().toISOString(),
      ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    };
    this.send(res, errors.length > 0 ? 207 : 200, envelope);
  }
}

export async function startFakeHubspot(options: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  return new FakeHubspot(options).start();
}

export const FAKE_HUBSPOT_TOKEN = 'pat-eu1-11111111-2222-3333-4444-555555555555';
