/**
 * The webhook load of `npm run bench:retention`, in a process of its own so that sending, timing and the
 * server's work do not share one event loop. Forked by bench/retention.ts with BENCH_LOAD (JSON: url, rate,
 * appSecret, phoneNumberId, warmupSeconds, maxSeconds). Sends signed WhatsApp deliveries open-loop (one
 * every 1000/rate ms whatever the answers' pace), first for the warm-up (not timed), then says `ready` and
 * times every request until the parent says `stop` (or maxSeconds pass); then it answers with the sorted
 * latencies and the status counts and exits. 127.0.0.1 only.
 */
import { Agent, fetch } from 'undici';
import { serialise, signedHeaders, textDelivery } from '../test/fakes/meta-webhook-client.js';

interface LoadOptions {
  url: string;
  rate: number;
  appSecret: string;
  phoneNumberId: string;
  warmupSeconds: number;
  maxSeconds: number;
}

export interface LoadResult {
  type: 'result';
  latencies: number[];
  ok: number;
  other: number;
  failed: number;
  /** Requests sent while timing, and the seconds timed: the rate actually offered. */
  sent: number;
  seconds: number;
  /** This process's CPU time while timing, in % of one core. */
  cpuPercent: number;
}

const options = JSON.parse(process.env.BENCH_LOAD ?? '{}') as LoadOptions;
if (!new URL(options.url).hostname.startsWith('127.')) throw new Error('The load goes to 127.0.0.1 only');

const dispatcher = new Agent({ connections: 64, pipelining: 1 });
let sequence = 0;
let timing = false;
const latencies: number[] = [];
const counts = { ok: 0, other: 0, failed: 0 };
const inFlight = new Set<Promise<void>>();

function send() {
  sequence++;
  const from = String(4_915_200_000_000 + Math.floor(sequence / 4));
  const body = serialise(textDelivery(options.phoneNumberId, { from, body: 'Still there?' }).payload);
  const headers = signedHeaders(options.appSecret, body);
  const timed = timing;
  const sentAt = performance.now();
  const request = fetch(options.url, { method: 'POST', headers, body, dispatcher })
    .then(async (response) => {
      await response.arrayBuffer();
      if (!timed) return;
      latencies.push(performance.now() - sentAt);
      if (response.status >= 200 && response.status < 300) counts.ok++;
      else counts.other++;
    })
    .catch(() => {
      if (timed) counts.failed++;
    })
    .finally(() => inFlight.delete(request));
  inFlight.add(request);
}

async function finish() {
  clearInterval(timer);
  clearTimeout(limit);
  const seconds = (performance.now() - timedFrom) / 1000;
  const cpu = process.cpuUsage(cpuFrom);
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const cpuPercent = Math.round((cpu.user + cpu.system) / 1e4 / seconds);
  const result: LoadResult = { type: 'result', latencies, ...counts, sent: timedSent, seconds, cpuPercent };
  process.send?.(result, () => {
    void dispatcher.close().finally(() => process.exit(0));
  });
}

// Open loop on a schedule: each tick sends every request due by now (at most 50 at once), so a late timer
// (a busy machine) delays requests but does not silently lower the offered rate.
const started = performance.now();
let due = 0;
let timedFrom = 0;
let timedSent = 0;
let cpuFrom = process.cpuUsage();
const timer = setInterval(() => {
  const target = Math.floor(((performance.now() - started) / 1000) * options.rate);
  for (let n = 0; due < target && n < 50; n++, due++) {
    send();
    if (timing) timedSent++;
  }
}, 2);
setTimeout(() => {
  timing = true;
  timedFrom = performance.now();
  cpuFrom = process.cpuUsage();
  process.send?.({ type: 'ready' });
}, options.warmupSeconds * 1000);
const limit = setTimeout(() => void finish(), (options.warmupSeconds + options.maxSeconds) * 1000);
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stop') void finish();
});
process.on('disconnect', () => process.exit(1));
