export {
  createDispatcher,
  Dispatcher,
  type DispatcherErrorDetails,
  type DispatcherOptions,
  type DispatcherState,
} from './dispatcher.js';
export { DispatcherClosedError, NoHandlerError } from './errors.js';
export type {
  DispatchOptions,
  HandlerContext,
  MessageHandler,
  MessageHandlers,
  MessageTypeName,
  SendOptions,
} from './handler.js';
export { InMemoryStream, type InMemoryStreamOptions } from './in-memory-stream.js';
export { outcomeOf } from './outcome.js';
export { installShutdownHandlers, type ShutdownHandlerOptions, type ShutdownProcess, type ShutdownTarget } from './shutdown.js';
export type { Stream } from './stream.js';
export { StreamRegistry, type StreamRegistryOptions } from './stream-registry.js';
export { formatTraceparent, TRACER_NAME, TRACER_VERSION, type TracingOption } from './tracing.js';
