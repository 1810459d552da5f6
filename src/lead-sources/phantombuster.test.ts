import { describe, expect, it } from 'vitest';
import { resultCsvUrl, ZPhantombusterWebhook } from './phantombuster.js';

const HOSTS = ['phantombuster.s3.amazonaws.com', 'cache1.phantombooster.com'];
const object = (csvURL: string) => JSON.stringify({ csvURL, jsonUrl: 'https://x/result.json' });

describe('Phantombuster result files', () => {
  it("takes the result CSV's URL on Phantombuster's hosts only", () => {
    const url = 'https://phantombuster.s3.amazonaws.com/org/agent/result.csv';
    expect(resultCsvUrl(object(url), HOSTS)?.href).toBe(url);
    expect(resultCsvUrl(object('https://evil.example/result.csv'), HOSTS)).toBeUndefined();
    expect(
      resultCsvUrl(object('https://phantombuster.s3.amazonaws.com.evil.example/r.csv'), HOSTS),
    ).toBeUndefined();
    expect(
      resultCsvUrl(object('https://user:pw@phantombuster.s3.amazonaws.com/r.csv'), HOSTS),
    ).toBeUndefined();
    expect(resultCsvUrl(object('not a url'), HOSTS)).toBeUndefined();
    expect(resultCsvUrl('{not json', HOSTS)).toBeUndefined();
    expect(resultCsvUrl(null, HOSTS)).toBeUndefined();
  });

  it("reads Phantombuster's webhook, with its ids as numbers or strings", () => {
    const parsed = ZPhantombusterWebhook.parse({
      agentId: 1234567,
      agentName: 'LinkedIn Search Export',
      containerId: '7654321',
      script: 'LinkedIn Search Export.js',
      exitCode: 0,
      exitMessage: 'finished',
      resultObject: object('https://phantombuster.s3.amazonaws.com/a/b/result.csv'),
    });
    expect(parsed).toMatchObject({ agentId: '1234567', containerId: '7654321' });
    expect(ZPhantombusterWebhook.safeParse({ agentId: 'x; drop', containerId: '1' }).success).toBe(false);
    expect(ZPhantombusterWebhook.safeParse({ agentId: -1, containerId: '1' }).success).toBe(false);
  });
});
