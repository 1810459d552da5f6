import { readFileSync } from 'node:fs';

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

interface Sample {
  /** Busy CPU seconds of the whole machine (every core, every process). */
  machine: number;
  /** Elapsed wall seconds times cores: what the machine could have done. */
  capacity: number;
  /** CPU seconds of the process under test. */
  server: number;
  /** CPU seconds of this process: the load generator. */
  loadGenerator: number;
}

function sample(serverPid: number): Sample {
  // cpu  user nice system idle iowait irq softirq steal ...
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]
    ?.trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  if (!fields || fields.length < 8) throw new Error('unreadable /proc/stat');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  // /proc/<pid>/stat: the command may hold spaces, so count from its closing parenthesis; utime and stime
  // are the 14th and 15th fields.
  const stat = readFileSync(`/proc/${serverPid}/stat`, 'utf8');
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = process.cpuUsage();
  return {
    machine: busy / TICKS_PER_SECOND,
    capacity: (busy + idle + iowait) / TICKS_PER_SECOND,
    server: (Number(after[11]) + Number(after[12])) / TICKS_PER_SECOND,
    loadGenerator: (own.user + own.system) / 1e6,
  };
}

export interface CpuShare {
  /** Microseconds of CPU per request: the server, the load generator, and the rest of the machine. */
  serverUs: number;
  loadGeneratorUs: number;
  restUs: number;
  /** Cores busy on average, of `cores`. */
  busyCores: number;
  cores: number;
}

/**
 * Where a load run's CPU went, per request, from the kernel's own accounting: the server's process, this
 * one (the load generator), and the rest of the machine (PostgreSQL's processes, and anything else running).
 */
export async function measureCpu<T>(
  serverPid: number,
  run: () => Promise<T>,
  requestsOf: (result: T) => number,
): Promise<{ result: T; cpu: CpuShare }> {
  const before = sample(serverPid);
  const result = await run();
  const after = sample(serverPid);
  const requests = Math.max(1, requestsOf(result));
  const perRequest = (seconds: number) => Math.round((seconds * 1e6) / requests);
  const server = after.server - before.server;
  const loadGenerator = after.loadGenerator - before.loadGenerator;
  const machine = after.machine - before.machine;
  const capacity = after.capacity - before.capacity;
  const cores = Number(readFileSync('/proc/stat', 'utf8').match(/^cpu\d+ /gm)?.length ?? 1);
  return {
    result,
    cpu: {
      serverUs: perRequest(server),
      loadGeneratorUs: perRequest(loadGenerator),
      restUs: perRequest(Math.max(0, machine - server - loadGenerator)),
      busyCores: capacity > 0 ? Math.round((machine / capacity) * cores * 100) / 100 : 0,
      cores,
    },
  };
}
