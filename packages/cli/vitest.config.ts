import { mergeConfig } from 'vitest/config';

import { packageTestConfig } from '../../vitest.shared.mjs';

// The global setup runs the built example once to produce the trace database the tests query.
export default mergeConfig(packageTestConfig(), {
  test: { globalSetup: ['./test/global-setup.ts'] },
});
