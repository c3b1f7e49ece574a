export { PolicyConfigBuilder, type BulkheadLimits, type StreamKeySelector } from './configuration-builder.js';
export {
  InvalidStreamKeyError,
  NoMatchingPolicyError,
  PolicyConfigurationError,
  ServiceNotFoundError,
} from './errors.js';
export {
  ResolvedPolicy,
  type BulkheadSettings,
  type MatchedPolicyConfiguration,
  type PolicyConfigurationSummary,
} from './policy.js';
export { MessagePolicyContext } from './policy-context.js';
export {
  PolicyEngine,
  type ExplainedRouting,
  type ExplainOptions,
  type PolicyEngineOptions,
  type PolicyExplanation,
  type PolicyMatch,
  type RoutedMessage,
} from './policy-engine.js';
export {
  createPolicies,
  DEFAULT_POLICY_NAME,
  PolicySet,
  type PolicyConfigurer,
  type PolicyPredicate,
  type PolicyWhen,
} from './policy-set.js';
export { DecisionReasons } from './reasons.js';
export { serviceKey, ServiceRegistry, type ServiceEntries } from './services.js';
export {
  DEFAULT_PARALLEL_CONCURRENCY,
  type ExecutionStrategyClass,
  type ExecutionStrategyFactory,
  type LaneStrategyOptions,
  type ResolvedStrategy,
  type StrategySpec,
} from './strategy.js';
export { isPartitionRouter, isSequenceProvider, MAX_TIMEOUT_MS } from './validation.js';
export type { AggregateMessage, AggregateType, PolicyContext, ServiceKey } from '@whizbang/observability';
