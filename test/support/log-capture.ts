import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/platform/logging/logger.js';

export interface CapturedLogger {
  logger: Logger;
  lines: string[];
  text(): string;
}

/** A real logger (same redaction) writing into memory, so tests can read exactly what would be logged. */
export function captureLogger(
  options: { level?: 'info' | 'debug' | 'trace'; secrets?: string[] } = {},
): CapturedLogger {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({
    level: options.level ?? 'info',
    secrets: options.secrets ?? [],
    destination,
  });
  return { logger, lines, text: () => lines.join('\n') };
}
