import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of Hunter's Company Enrichment API on 127.0.0.1: `GET /v2/companies/find?domain=`, authenticated
 * by the `X-API-KEY` header; 200 with `{ data, meta }` (Clearbit-shaped company) for a known domain, 404
 * with Hunter's error envelope `{ errors: [{ id, code, details }] }` otherwise, 401 on a bad key.
 */
export class FakeHunter {
  readonly companies = new Map<string, Record<string, unknown>>();
  readonly calls: { domain: string | null; key: string | undefined; query: string }[] = [];
  private server = createServer((req, res) => this.handle(req, res));

  constructor(readonly apiKey: string) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://${this.host}`;
  }

  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): undefined {
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    const key = req.headers['x-api-key'];
    const domain = url.searchParams.get('domain');
    this.calls.push({ domain, key: typeof key === 'string' ? key : undefined, query: url.search });
    const json = (status: number, body: unknown): undefined => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/v2/companies/find') return json(404, { errors: [{ id: 'not_found', code: 404 }] });
    if (key !== this.apiKey) {
      return json(401, {
        errors: [
          { id: 'authentication_failed', code: 401, details: 'No user found for the API key supplied' },
        ],
      });
    }
    const company = domain ? this.companies.get(domain) : undefined;
    if (!company) {
      return json(404, {
        errors: [{ id: 'not_found', code: 404, details: 'The requested company could not be found' }],
      });
    }
    json(200, { data: { domain, ...company }, meta: { domain } });
  }
}
