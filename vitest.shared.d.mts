import type { UserConfig } from 'vitest/config';

/** Builds the Vitest configuration of one package; testTimeout is in milliseconds. */
export function packageTestConfig(overrides?: { testTimeout?: number; include?: string[] }): UserConfig;
