import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { candidateUrls, twilioSignature, validTwilioJsonRequest, validTwilioRequest } from './signature.js';

// Published vectors: protocols.md §2 (twilio-node b1501b79 spec/validation.spec.js) and twilio-node's
// current validation spec (Caller +12349013030).
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};
const PUBLISHED = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

describe('Twilio request signatures', () => {
  it('reproduces the published vector', () => {
    expect(twilioSignature(TOKEN, URL_, PARAMS)).toBe(PUBLISHED);
    expect(validTwilioRequest(TOKEN, PUBLISHED, URL_, PARAMS)).toBe(true);
  });

  it('reproduces the current SDK vector, whatever order the parameters arrive in', () => {
    const params = { ...PARAMS, Caller: '+12349013030', From: '+12349013030' };
    const reversed = Object.fromEntries(Object.entries(params).reverse());
    expect(twilioSignature(TOKEN, URL_, reversed)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('refuses a changed parameter, URL, token or a malformed header', () => {
    expect(validTwilioRequest(TOKEN, PUBLISHED, URL_, { ...PARAMS, Digits: '9999' })).toBe(false);
    expect(validTwilioRequest(TOKEN, PUBLISHED, `${URL_}&baz=3`, PARAMS)).toBe(false);
    expect(validTwilioRequest('54321', PUBLISHED, URL_, PARAMS)).toBe(false);
    expect(validTwilioRequest(TOKEN, undefined, URL_, PARAMS)).toBe(false);
    expect(validTwilioRequest(TOKEN, [PUBLISHED, PUBLISHED], URL_, PARAMS)).toBe(false);
    expect(validTwilioRequest(TOKEN, PUBLISHED.toLowerCase(), URL_, PARAMS)).toBe(false);
    expect(validTwilioRequest(TOKEN, PUBLISHED.slice(0, -2), URL_, PARAMS)).toBe(false);
    expect(validTwilioRequest(TOKEN, '', URL_, PARAMS)).toBe(false);
    expect(validTwilioRequest(TOKEN, PUBLISHED, 'not a url', PARAMS)).toBe(false);
  });

  it('accepts the URL signed with the default port when it arrives without, and the reverse', () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    expect(validTwilioRequest(TOKEN, twilioSignature(TOKEN, withPort, PARAMS), URL_, PARAMS)).toBe(true);
    expect(validTwilioRequest(TOKEN, PUBLISHED, withPort, PARAMS)).toBe(true);
    // A non-default port is part of the URL: signed with it, the URL without it is another URL.
    const custom = 'http://127.0.0.1:8080/hook';
    expect(candidateUrls(custom)).toContain('http://127.0.0.1/hook');
    expect(validTwilioRequest(TOKEN, twilioSignature(TOKEN, custom, PARAMS), custom, PARAMS)).toBe(true);
    expect(
      validTwilioRequest(TOKEN, twilioSignature(TOKEN, 'http://127.0.0.1:9090/hook', PARAMS), custom, PARAMS),
    ).toBe(false);
  });

  it('signs special characters as UTF-8 and accepts the legacy query encoding', () => {
    const params = { Body: 'Olá, São Paulo! & <tags> "quotes" 😀', From: '+5511999999999' };
    const url = 'https://example.com/sms?name=Jos%c3%a9&q=a%2bb';
    const signature = twilioSignature(TOKEN, url, params);
    expect(validTwilioRequest(TOKEN, signature, url, params)).toBe(true);
    expect(validTwilioRequest(TOKEN, signature, url, { ...params, Body: 'Ola, Sao Paulo!' })).toBe(false);
    // Node's legacy querystring re-encodes escapes in upper case; the SDK accepts either form.
    const legacy = 'https://example.com/sms?name=Jos%C3%A9&q=a%2Bb';
    expect(validTwilioRequest(TOKEN, twilioSignature(TOKEN, legacy, params), url, params)).toBe(true);
  });

  it('takes each distinct value of a repeated parameter once, sorted', () => {
    const url = 'https://example.com/status';
    const once = twilioSignature(TOKEN, url, { StatusCallbackEvent: ['answered', 'initiated'] });
    expect(twilioSignature(TOKEN, url, { StatusCallbackEvent: ['initiated', 'answered', 'initiated'] })).toBe(
      once,
    );
    expect(twilioSignature(TOKEN, url, { StatusCallbackEvent: ['initiated'] })).not.toBe(once);
    // The signed data is the URL, then "StatusCallbackEventanswered", then "StatusCallbackEventinitiated".
    const data = `${url}StatusCallbackEventansweredStatusCallbackEventinitiated`;
    expect(once).toBe(createHmac('sha1', TOKEN).update(data).digest('base64'));
  });

  it('validates a JSON body through bodySHA256 (the SDK vector)', () => {
    const body = Buffer.from('{"property": "value", "boolean": true}');
    const hash = createHash('sha256').update(body).digest('hex');
    expect(hash).toBe('0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620');
    const url = `${URL_}&bodySHA256=${hash}`;
    expect(validTwilioJsonRequest(TOKEN, 'a9nBmqA0ju/hNViExpshrM61xv4=', url, body)).toBe(true);
    expect(validTwilioJsonRequest(TOKEN, 'a9nBmqA0ju/hNViExpshrM61xv4=', url, Buffer.from('{}'))).toBe(false);
    expect(validTwilioJsonRequest(TOKEN, twilioSignature(TOKEN, URL_, {}), URL_, body)).toBe(false);
    const empty = createHash('sha256').update('{}').digest('hex');
    expect(empty.startsWith('44136fa3')).toBe(true);
  });
});
