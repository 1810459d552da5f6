/**
 * The webhook load of `npm run bench:retention`, in a process of its own so that sending, timing and the
 * server's work do not share one event loop. Forked by bench/retention.ts with BENCH_LOAD (JSON: url, rate,
 * appSecret, phoneNumberId, warmupSeconds, maxSeconds). Sends signed WhatsApp deliveries open-loop (rate
 * per second on a schedule, whatever the answers' pace), first for the warm-up, then says `ready`; the parent
 * names phases (`phase`: baseline, removal) and ends with `stop` (or maxSeconds pass); then it answers with
 * each phase's sorted latencies, counts and throughput and exits. 127.0.0.1 only.
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

export interface PhaseResult {
  /** Sorted latencies of the requests sent in the phase and answered (send to answer, ms). */
  latencies: number[];
  ok: number;
  other: number;
  failed: number;
  /** Still unanswered 30 s after the load stopped. */
  unanswered: number;
  sent: number;
  /** Answers that arrived before the phase ended: the throughput the server kept up with. */
  answeredInPhase: number;
  seconds: number;
  /** This process's CPU time in the phase, in % of one core. */
  cpuPercent: number;
}

export interface LoadResult {
  type: 'result';
  phases: Record<string, PhaseResult>;
}

const options = JSON.parse(process.env.BENCH_LOAD ?? '{}') as LoadOptions;
if (!new URL(options.url).hostname.startsWith('127.')) throw new Error('The load goes to 127.0.0.1 only');

const dispatcher = new Agent({ connections: 256, pipelining: 1 });
let sequence = 0;

interface Phase extends Omit<PhaseResult, 'cpuPercent' | 'seconds'> {
  name: string;
  startedAt: number;
  endedAt: number | undefined;
  cpuFrom: NodeJS.CpuUsage;
  cpu: NodeJS.CpuUsage | undefined;
}
const phases: Phase[] = [];
let phase: Phase | undefined;
const inFlight = new Set<Promise<void>>();

function startPhase(name: string) {
  const now = performance.now();
  if (phase) {
    phase.endedAt = now;
    phase.cpu = process.cpuUsage(phase.cpuFrom);
  }
  phase = {
    name,
    startedAt: now,
    endedAt: undefined,
    cpuFrom: process.cpuUsage(),
    cpu: undefined,
    latencies: [],
    ok: 0,
    other: 0,
    failed: 0,
    unanswered: 0,
    sent: 0,
    answeredInPhase: 0,
  };
  phases.push(phase);
}

function send() {
  sequence++;
  const from = String(4_915_200_000_000 + Math.floor(sequence / 4));
  const body = serialise(textDelivery(options.phoneNumberId, { from, body: 'Still there?' }).payload);
  const headers = signedHeaders(options.appSecret, body);
  const mine = phase as Phase;
  mine.sent++;
  const sentAt = performance.now();
  const request = fetch(options.url, { method: 'POST', headers, body, dispatcher })
    .then(async (response) => {
      await response.arrayBuffer();
      const answeredAt = performance.now();
      mine.latencies.push(answeredAt - sentAt);
      if (mine.endedAt === undefined || answeredAt <= mine.endedAt) mine.answeredInPhase++;
      if (response.status >= 200 && response.status < 300) mine.ok++;
      else mine.other++;
    })
    .catch(() => {
      mine.failed++;
    })
    .finally(() => inFlight.delete(request));
  inFlight.add(request);
}

async function finish() {
  clearInterval(timer);
  clearTimeout(limit);
  startPhase('after');
  // Bounded: whatever is still unanswered 30 s after the load stopped is counted, not awaited.
  await Promise.race([Promise.all(inFlight), new Promise((resolve) => setTimeout(resolve, 30_000))]);
  const result: LoadResult = { type: 'result', phases: {} };
  for (const p of phases) {
    if (p.endedAt === undefined || !p.cpu) continue;
    const seconds = (p.endedAt - p.startedAt) / 1000;
    p.latencies.sort((a, b) => a - b);
    p.unanswered = p.sent - p.ok - p.other - p.failed;
    result.phases[p.name] = {
      latencies: p.latencies,
      ok: p.ok,
      other: p.other,
      failed: p.failed,
      unanswered: p.unanswered,
      sent: p.sent,
      answeredInPhase: p.answeredInPhase,
      seconds,
      cpuPercent: Math.round((p.cpu.user + p.cpu.system) / 1e4 / seconds),
    };
  }
  process.send?.(result, () => {
    void dispatcher.close().finally(() => process.exit(0));
  });
}

// Open loop on a schedule: each tick sends every request due by now (at most 50 at once), so a late timer
// (a busy machine) delays requests but does not silently lower the offered rate.
startPhase('warmup');
const started = performance.now();
let due = 0;
const timer = setInterval(() => {
  const target = Math.floor(((performance.now() - started) / 1000) * options.rate);
  for (let n = 0; due < target && n < 50; n++, due++) send();
}, 2);
setTimeout(() => process.send?.({ type: 'ready' }), options.warmupSeconds * 1000);
const limit = setTimeout(() => void finish(), (options.warmupSeconds + options.maxSeconds) * 1000);
process.on('message', (message: { type?: string; name?: string }) => {
  if (message?.type === 'phase' && message.name) startPhase(message.name);
  if (message?.type === 'stop') void finish();
});
process.on('disconnect', () => process.exit(1));
