export type { CheckOutcome } from './contract-check.js';
export * from './stream-key-arbitraries.js';
export * from './sequence-provider-contract.js';
export * from './partition-router-contract.js';
export * from './trace-store-fixtures.js';
export * from './trace-store-contract.js';
export * from './sequence-workers.js';
export * from './get-next-loops.js';
