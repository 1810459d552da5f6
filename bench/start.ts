/**
 * `npm run bench:start`: how long `npm start` takes to be ready (GET /ready answers 200) when dist/ is
 * current. One warm-up start (builds if the sources changed, creates the embedded database in a temporary
 * DATA_DIR), then BENCH_STARTS (≤ 5, default 3) measured starts, each stopped with SIGINT. Figures are
 * wall-clock on a shared machine: noisy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/free-port.js';
import { percentile } from './stats.js';

const STARTS = Math.min(Number(process.env.BENCH_STARTS ?? 3), 5);
const READY_TIMEOUT_MS = 180_000;

async function timeToReady(env: Record<string, string>, port: number): Promise<number> {
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  try {
    while (performance.now() - started < READY_TIMEOUT_MS) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ready) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('npm start was not ready in time');
  } finally {
    await stop(child);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGINT');
  await exited;
}

async function main() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'leadline-bench-start-'));
  const port = await freePort();
  const env = {
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: String(port),
    METRICS_PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  try {
    const first = await timeToReady(env, port);
    console.log(`warm-up start (build if stale, new database): ${(first / 1000).toFixed(1)} s`);
    const times: number[] = [];
    for (let run = 0; run < STARTS; run += 1) times.push(await timeToReady(env, port));
    times.sort((a, b) => a - b);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`npm start with dist/ current, to /ready: ${times.map(seconds).join(', ')}`);
    console.log(`p50 ${seconds(percentile(times, 50))}, max ${seconds(Math.max(...times))} (target < 5 s)`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
