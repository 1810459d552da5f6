import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of Phantombuster on 127.0.0.1: the API v2 endpoints the import uses, authenticated by the
 * `X-Phantombuster-Key-1` header (`GET /api/v2/containers/fetch?id=`, `GET
 * /api/v2/containers/fetch-result-object?id=`), the result files a Phantom stores (`/files/<id>.csv`),
 * and `webhookBody()`: the custom webhook Phantombuster POSTs when a run ends (agentId, agentName,
 * containerId, script, scriptOrg, branch, launchDuration, runDuration, exitCode, exitMessage, resultObject).
 */
export interface FakeRun {
  containerId: string;
  agentId: string;
  status: string;
  resultObject: string | null;
}

export class FakePhantombuster {
  readonly runs = new Map<string, FakeRun>();
  readonly files = new Map<string, string>();
  readonly requests: { path: string; key: string | undefined }[] = [];
  private nextId = 5_000_000;
  private server = createServer((req, res) => this.handle(req, res));

  constructor(readonly apiKey: string) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A finished run of `agentId` whose result CSV is `csv` (or whose result object is `resultObject`). */
  addRun(
    agentId: string,
    csv: string,
    options: { status?: string; resultObject?: string | null } = {},
  ): FakeRun {
    const containerId = String(this.nextId++);
    this.files.set(`/files/${containerId}.csv`, csv);
    const run: FakeRun = {
      containerId,
      agentId,
      status: options.status ?? 'finished',
      resultObject:
        options.resultObject !== undefined
          ? options.resultObject
          : JSON.stringify({
              csvURL: `${this.url}/files/${containerId}.csv`,
              jsonUrl: `${this.url}/files/${containerId}.json`,
            }),
    };
    this.runs.set(containerId, run);
    return run;
  }

  webhookBody(run: FakeRun, agentName = 'LinkedIn Search Export'): Record<string, unknown> {
    return {
      agentId: Number(run.agentId),
      agentName,
      containerId: Number(run.containerId),
      script: 'LinkedIn Search Export.js',
      scriptOrg: 'phantombuster',
      branch: 'master',
      launchDuration: 1_204,
      runDuration: 48_311,
      exitCode: 0,
      exitMessage: 'finished',
      resultObject: run.resultObject,
    };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): undefined {
    const url = new URL(req.url ?? '/', this.url);
    const key = req.headers['x-phantombuster-key-1'];
    this.requests.push({ path: url.pathname, key: typeof key === 'string' ? key : undefined });
    const json = (status: number, body: unknown): undefined => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/files/')) {
      const file = this.files.get(url.pathname);
      if (file === undefined) return json(404, { error: 'Not found' });
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(file);
      return;
    }
    if (key !== this.apiKey) return json(401, { status: 'error', error: 'Invalid API key' });
    const run = this.runs.get(url.searchParams.get('id') ?? '');
    if (url.pathname === '/api/v2/containers/fetch') {
      if (!run) return json(404, { status: 'error', error: 'Container not found' });
      return json(200, {
        id: run.containerId,
        agentId: run.agentId,
        status: run.status,
        createdAt: Date.now(),
      });
    }
    if (url.pathname === '/api/v2/containers/fetch-result-object') {
      if (!run) return json(404, { status: 'error', error: 'Container not found' });
      return json(200, { resultObject: run.resultObject });
    }
    json(404, { status: 'error', error: 'Not found' });
  }
}
