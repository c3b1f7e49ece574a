export type { PartitionRouter } from '@whizbang/observability';
export { HashPartitionRouter } from './hash-partition-router.js';
export { JumpHashPartitionRouter } from './jump-hash-partition-router.js';
export { RoundRobinPartitionRouter } from './round-robin-partition-router.js';
export { murmur2 } from './murmur2.js';
