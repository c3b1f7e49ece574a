export type { SequenceProvider } from '@whizbang/observability';
export {
  InMemorySequenceProvider,
  type InMemorySequenceProviderOptions,
  type MonotonicClock,
} from './in-memory-sequence-provider.js';
