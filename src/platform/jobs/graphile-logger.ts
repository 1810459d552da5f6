import { Logger as GraphileLogger, type LogLevel } from 'graphile-worker';
import type { Logger } from '../logging/logger.js';

const LEVELS: Record<LogLevel, 'error' | 'warn' | 'info' | 'debug'> = {
  error: 'error',
  warning: 'warn',
  info: 'info',
  debug: 'debug',
};

/** graphile-worker logs through our pino logger, so its lines are redacted like every other. */
export function toGraphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => {
    const child = logger.child({ component: 'graphile-worker', ...scopeFields(scope) });
    return (level, message, meta) => child[LEVELS[level]]({ ...(meta ?? {}) }, message);
  });
}

function scopeFields(scope: Record<string, unknown>) {
  const { workerId, taskIdentifier, jobId } = scope;
  return { workerId, taskIdentifier, jobId };
}
