export { CliError, ExitCode, type ExitCodeValue } from './errors.js';
export { DEFAULT_DATABASE, DEFAULT_RANGE_LIMIT, runCli, type CliIo, type CliOutput } from './cli.js';
export { TraceReader, type TraceRange } from './trace-reader.js';
export { formatCausalChain, type CausalChainFormatOptions } from './format/causal-tree.js';
export { formatCallSite } from './format/call-site.js';
export { formatPolicyTrail, formatTraceDetails, formatTraceList } from './format/trace-details.js';
export { formatDuration, formatOutcome, formatRouting, formatTime } from './format/routing.js';
export { COLOUR_STYLE, PLAIN_STYLE, useColour, type Style } from './style.js';
