import type { Config } from '../../src/platform/config/config.js';
import { loadConfig } from '../../src/platform/config/load.js';

export const TEST_SECRET_KEY = 'test-secret-key-5f1c9a7e2b8d4c6a0e3f7b9d1a5c8e2f';

/** Configuration as production code parses it, from an explicit environment (never the real one). */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(
    {
      NODE_ENV: 'test',
      SECRET_KEY: TEST_SECRET_KEY,
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      WORKER_POLL_INTERVAL_MS: '200',
      ...overrides,
    },
    { dotenvPath: false },
  );
}
