import { mergeConfig } from 'vitest/config';

import { packageTestConfig } from '../../vitest.shared.mjs';

// The setup file fails any test during which a promise rejection went unhandled.
export default mergeConfig(packageTestConfig(), { test: { setupFiles: ['test/setup.ts'] } });
