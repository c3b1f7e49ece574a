export * from './clock.js';
export * from './ids.js';
export * from './hop.js';
export {
  createEnvelope,
  envelopeToJSON,
  EnvelopeStateError,
  type EnvelopeOptions,
  type EnvelopeRouting,
  type MessageEnvelope,
  type MessageEnvelopeJson,
} from './envelope.js';
export * from './trail.js';
export * from './monotonic-clock.js';
export { getProcessIdentity, SERVICE_NAME_ENV, type ProcessIdentity } from './process-identity.js';
export * from './caller/call-site.js';
export * from './caller/capture.js';
export * from './caller/resolved-call-site.js';
export { registerSourceMapProvider } from './caller/source-maps.js';
export type { ProvidedSourceMap, SourceMapProvider } from './caller/source-maps.js';
export { setSourceRoot, SOURCE_ROOT_ENV } from './caller/source-root.js';
export { clearResolvedPositions } from './caller/resolve.js';
export * from './unknown-caller.js';
export * from './policy-context.js';
export * from './contracts/sequence-provider.js';
export * from './contracts/partition-router.js';
export * from './contracts/describe-argument.js';
export * from './contracts/describe-received-value.js';
export * from './contracts/safe-sequence-value.js';
export * from './contracts/sequence-errors.js';
export * from './contracts/stream-key-limits.js';
export * from './trace/index.js';
