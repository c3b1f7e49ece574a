import { describe, isAbortSignal } from './validation.js';

/**
 * Returns the TypeError for invalid `execute()` arguments, or undefined when they are valid.
 * With `requireHopTarget`, the envelope must also accept a hop: have `addHop` and a topic.
 */
export function checkExecuteArguments(
envelope: unknown,
handler: unknown,
signal: unknown,
requireHopTarget: boolean,
): TypeError | undefined {
  if (typeof handler !== 'function') {
    return new TypeError(`Invalid handler: ${describe(handler)}. Expected a function (envelope, context, signal).`);
  }

  if (typeof envelope !== 'object' || envelope === null) {
    return new TypeError(`Invalid envelope: ${describe(envelope)}. Expected a MessageEnvelope (see createEnvelope).`);
  }

  if (requireHopTarget) {
    if (typeof (envelope as { addHop?: unknown }).addHop !== 'function') {
      return new TypeError(
        `Invalid envelope: ${describe(envelope)} has no addHop method. Pass a MessageEnvelope (see createEnvelope), or set recordHops: false.`,
      );
    }

    // Checked here because a hop needs a topic: an unrouted envelope would otherwise fail the
    // hop recorder after its handler ran.
    const topic = (envelope as { topic?: unknown }).topic;

    if (typeof topic !== 'string' || topic === '') {
      return new TypeError(
        'Invalid envelope: it has no topic, so no hop can be recorded for it. Route it first (envelope.setRouting), or set recordHops: false.',
      );
    }
  }

  if (signal !== undefined && !isAbortSignal(signal)) {
    return new TypeError(`Invalid signal: ${describe(signal)}. Expected an AbortSignal or undefined.`);
  }

  return undefined;
}
