import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import type { CallSiteInfo } from '../src/caller/call-site.js';
import { captureCallSite } from '../src/caller/capture.js';
import { recordHop, type MessageHop } from '../src/hop.js';
import { markedPosition } from './support/fixture-positions.js';

const testFile = fileURLToPath(import.meta.url);
const originalLimit = Error.stackTraceLimit;
const originalPrepare = Error.prepareStackTrace;

afterEach(() => {
  Error.stackTraceLimit = originalLimit;
  Error.prepareStackTrace = originalPrepare;
});

function expectAt(site: CallSiteInfo, marker: string, callee: string, functionName: string | undefined): void {
  const position = site.resolve();
  const expected = markedPosition(testFile, marker, callee);

  expect(position.origin).toBe('source-map');
  expect(position.filePath).toBe(testFile);
  expect(position.relativePath).toBe('packages/observability/test/caller-capture.test.ts');
  expect(position.line).toBe(expected.line);
  expect(position.column).toBe(expected.column);
  expect(position.functionName).toBe(functionName);
}

/** Calls `innermost` from `depth` nested wrapper frames. */
function nest<T>(depth: number, innermost: () => T): T {
  return depth === 0 ? innermost() : nest(depth - 1, innermost);
}

function placeOrder(): CallSiteInfo {
  return captureCallSite(); // marker: plain capture
}

function publish(): CallSiteInfo {
  return nest(12, () => captureCallSite(publish));
}

function publishHop(): MessageHop {
  return nest(12, function deepHop() {
    return recordHop({ topic: 't', streamKey: 'k', executionStrategy: 'serial' }); // marker: deep hop
  });
}

describe('captureCallSite', () => {
  it('captures the caller of captureCallSite', () => {
    expectAt(placeOrder(), 'marker: plain capture', 'captureCallSite(', 'placeOrder');
  });

  it('captures the caller of belowFunction 12 frames up', () => {
    const site = publish(); // marker: below function

    expectAt(site, 'marker: below function', 'publish(', undefined);
  });

  it('captures recordHop callers 12 frames deep', () => {
    expectAt(publishHop().caller, 'marker: deep hop', 'recordHop(', 'deepHop');
  });

  it('keeps the compiled position until resolved', () => {
    const site = placeOrder();

    expect(site.fileName).toBe(testFile);
    expect(typeof site.line).toBe('number');
    expect(typeof site.column).toBe('number');
    expect(site.functionName).toBe('placeOrder');
  });

  it('reports anonymous functions without a name', () => {
    const site = [0].map(function () {
      return captureCallSite(); // marker: anonymous function
    })[0]!;

    expectAt(site, 'marker: anonymous function', 'captureCallSite(', undefined);
  });

  it('works with and restores a caller limit of 1', () => {
    Error.stackTraceLimit = 1;
    const site = publish(); // marker: limit one

    expect(Error.stackTraceLimit).toBe(1);
    expectAt(site, 'marker: limit one', 'publish(', undefined);
  });

  it('works with and restores a caller limit of 0', () => {
    Error.stackTraceLimit = 0;
    const site = placeOrder();

    expect(Error.stackTraceLimit).toBe(0);
    expect(site.resolve().origin).toBe('source-map');
  });

  it('restores a throwing prepareStackTrace', () => {
    const throwing = (): never => {
      throw new Error('prepareStackTrace called');
    };
    Error.prepareStackTrace = throwing;

    const site = placeOrder();

    expect(Error.prepareStackTrace).toBe(throwing);
    expect(site.functionName).toBe('placeOrder');
    expect(() => new Error('x').stack).toThrow('prepareStackTrace called');
  });

  it('restores a formatting prepareStackTrace', () => {
    const formatter = (_error: Error, frames: NodeJS.CallSite[]): string => `frames: ${frames.length}`;
    Error.prepareStackTrace = formatter;

    placeOrder();

    expect(Error.prepareStackTrace).toBe(formatter);
    expect(new Error('x').stack).toMatch(/^frames: \d+$/);
  });

  it('returns unknown when belowFunction is not on the stack', () => {
    const site = captureCallSite(function notOnTheStack() {});

    expect(site.fileName).toBeUndefined();
    expect(site.resolve()).toEqual({
      functionName: undefined,
      filePath: undefined,
      relativePath: undefined,
      line: undefined,
      column: undefined,
      origin: 'unknown',
    });
  });

  it('returns unknown when the stack API is missing', () => {
    const capture = Error.captureStackTrace;
    try {
      (Error as { captureStackTrace?: unknown }).captureStackTrace = undefined;

      expect(captureCallSite().resolve().origin).toBe('unknown');
    } finally {
      Error.captureStackTrace = capture;
    }
    expect(Error.stackTraceLimit).toBe(originalLimit);
    expect(Error.prepareStackTrace).toBe(originalPrepare);
  });

  it('records an unknown hop caller without the stack API', () => {
    const capture = Error.captureStackTrace;
    try {
      (Error as { captureStackTrace?: unknown }).captureStackTrace = undefined;

      expect(publishHop().caller.resolve().origin).toBe('unknown');
    } finally {
      Error.captureStackTrace = capture;
    }
  });

  it('records an unknown hop caller when the capture throws', () => {
    const capture = Error.captureStackTrace;
    try {
      Error.captureStackTrace = () => {
        throw new Error('capture failed');
      };

      expect(publishHop().caller.resolve().origin).toBe('unknown');
      expect(captureCallSite().resolve().origin).toBe('unknown');
    } finally {
      Error.captureStackTrace = capture;
    }
    expect(Error.stackTraceLimit).toBe(originalLimit);
  });

  it('records a hop with a read-only stackTraceLimit', () => {
    Object.defineProperty(Error, 'stackTraceLimit', { value: 5, writable: false, configurable: true });
    try {
      const hop = publishHop();

      expect(hop.caller.resolve().origin).toBe('unknown');
      expect(Error.stackTraceLimit).toBe(5);
    } finally {
      Object.defineProperty(Error, 'stackTraceLimit', { value: originalLimit, writable: true, configurable: true });
    }
  });

  it('never throws when stackTraceLimit is read-only', () => {
    Object.defineProperty(Error, 'stackTraceLimit', { value: 5, writable: false, configurable: true });
    try {
      expect(() => captureCallSite()).not.toThrow();
      expect(Error.stackTraceLimit).toBe(5);
    } finally {
      Object.defineProperty(Error, 'stackTraceLimit', { value: originalLimit, writable: true, configurable: true });
    }
  });

  it('resolves once per call site', () => {
    const sites = [0, 1].map(() => placeOrder());

    expect(sites[0]).not.toBe(sites[1]);
    expect(sites[0]!.resolve()).toBe(sites[1]!.resolve());
    expect(sites[0]!.resolve()).toBe(sites[0]!.resolve());
    expect(Object.isFrozen(sites[0]!.resolve())).toBe(true);
  });

  it('reads the frame on first use under any prepareStackTrace', () => {
    const site = placeOrder();
    const throwing = (): never => {
      throw new Error('prepareStackTrace called');
    };
    Error.prepareStackTrace = throwing;

    expect(site.functionName).toBe('placeOrder');
    expect(Error.prepareStackTrace).toBe(throwing);
    expectAt(site, 'marker: plain capture', 'captureCallSite(', 'placeOrder');
  });

  it('returns the same fields on every read', () => {
    const site = placeOrder();
    const first = [site.functionName, site.fileName, site.line, site.column];

    expect([site.functionName, site.fileName, site.line, site.column]).toEqual(first);
    expect(first[0]).toBe('placeOrder');
  });

  it('serialises to the resolved position', () => {
    const site = placeOrder();

    expect(JSON.parse(JSON.stringify(site))).toEqual(JSON.parse(JSON.stringify(site.resolve())));
  });
});
