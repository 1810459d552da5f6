// Every test process seals and opens with the keys a server given the test configuration would use.
import { configureDataKeysFrom } from '../../src/platform/crypto/data-keys.js';
import { configureSuppressionFrom } from '../../src/privacy/suppression.js';
import { TEST_SECRET_KEY } from './config.js';

configureDataKeysFrom({ secretKey: TEST_SECRET_KEY, previousSecretKeys: [] });
configureSuppressionFrom({ secretKey: TEST_SECRET_KEY, previousSecretKeys: [] });
