/**
 * Reason texts recorded in decision trails. They are constants so that evaluating a policy that
 * does not match builds no string.
 */
export const DecisionReasons = Object.freeze({
  /** The predicate returned a truthy value. */
  matched: 'predicate returned true',

  /** The predicate returned a falsy value. */
  notMatched: 'predicate returned false',

  /** The default policy applied because no registered policy matched. */
  defaultApplied: 'no other policy matched, so the default policy applies',

  /** The predicate returned a promise, which counts as no match. */
  returnedPromise: 'predicate returned a promise; predicates must be synchronous, so it counts as no match',

  /** Prefix of the reason recorded when the predicate threw; the error message follows. */
  threwPrefix: 'predicate threw, so it counts as no match: ',
});
