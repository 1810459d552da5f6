/**
 * The ceiling `bench:ingest` compares Leadline with: a bare Fastify server that does only what no webhook
 * endpoint can skip (read the raw body, check X-Hub-Signature-256 in constant time, parse the JSON) and
 * stores nothing. Run as its own process, like Leadline, so both get a core of their own.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';

const secret = process.env.APP_SECRET ?? '';
const app = Fastify({ logger: false, bodyLimit: 3 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
  done(null, body),
);
app.post('/webhooks/whatsapp/:channelId', async (request, reply) => {
  const body = request.body as Buffer;
  const header = request.headers['x-hub-signature-256'];
  const given = typeof header === 'string' && /^sha256=[0-9a-f]{64}$/.test(header) ? header.slice(7) : '';
  const expected = createHmac('sha256', secret).update(body).digest();
  if (given.length !== 64 || !timingSafeEqual(expected, Buffer.from(given, 'hex'))) {
    return reply.code(401).send({ error: 'signature' });
  }
  JSON.parse(body.toString('utf8'));
  return { received: true };
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.stdout.write('listening\n');
