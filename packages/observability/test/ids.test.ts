import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Clock } from '../src/clock.js';
import {
  causationIdOf,
  createCorrelationId,
  createIdGenerator,
  createMessageId,
  idTimestamp,
  InvalidIdError,
  parseCausationId,
  parseCorrelationId,
  parseMessageId,
} from '../src/ids.js';

const CANONICAL_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Formats 16 bytes as canonical UUID text with the version 7 and RFC 9562 variant bits forced. */
function formatV7(bytes: readonly number[]): string {
  const fixed = bytes.slice();
  fixed[6] = 0x70 | (fixed[6]! & 0x0f);
  fixed[8] = 0x80 | (fixed[8]! & 0x3f);
  const hex = fixed.map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const uuidBytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 });

describe('id creation', () => {
  it('creates canonical lower-case UUIDv7 texts', () => {
    for (let i = 0; i < 1000; i++) {
      expect(createMessageId()).toMatch(CANONICAL_V7);
      expect(createCorrelationId()).toMatch(CANONICAL_V7);
    }
  });

  it('encodes the clock time in the id', () => {
    const clock: Clock = { now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678) };
    const ids = createIdGenerator({ clock });

    expect(idTimestamp(ids.messageId())).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect(idTimestamp(ids.correlationId())).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  });

  it('encodes the system time in default ids', () => {
    const before = Date.now();
    const id = createMessageId();
    const after = Date.now();

    expect(idTimestamp(id)).toBeGreaterThanOrEqual(before);
    expect(idTimestamp(id)).toBeLessThanOrEqual(after);
  });

  it('keeps ids unique and increasing when the clock steps back', () => {
    let now = Date.UTC(2026, 5, 1);
    let calls = 0;
    const clock: Clock = {
      now: () => {
        calls++;

        // Advance 1 ms every 7 ids, and step back 2 s once, halfway through.
        if (calls === 50_000) now -= 2_000;
        else if (calls % 7 === 0) now += 1;
        return now;
      },
    };
    const ids = createIdGenerator({ clock });
    const created: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      created.push(i % 2 === 0 ? ids.messageId() : ids.correlationId());
    }

    expect(new Set(created).size).toBe(100_000);
    let outOfOrder = 0;
    for (let i = 1; i < created.length; i++) {
      if (!(created[i - 1]! < created[i]!)) outOfOrder++;
    }
    expect(outOfOrder).toBe(0);
  });

  it('keeps ids increasing within one frozen millisecond', () => {
    const ids = createIdGenerator({ clock: { now: () => 1_700_000_000_000 } });
    let previous = ids.messageId() as string;
    for (let i = 0; i < 10_000; i++) {
      const next = ids.messageId();
      expect(next > previous).toBe(true);
      previous = next;
    }
  });

  it('floors fractional clock readings', () => {
    const ids = createIdGenerator({ clock: { now: () => 1_700_000_000_000.75 } });

    expect(idTimestamp(ids.messageId())).toBe(1_700_000_000_000);
  });

  it('rejects a clock reading outside the 48-bit range', () => {
    for (const reading of [Number.NaN, -1, Infinity, 2 ** 48]) {
      const ids = createIdGenerator({ clock: { now: () => reading } });

      expect(() => ids.messageId()).toThrow(RangeError);
      expect(() => ids.messageId()).toThrow(/clock/);
    }
  });

  it('rejects a clock without a now function', () => {
    expect(() => createIdGenerator({ clock: {} as Clock })).toThrow(TypeError);
    expect(() => createIdGenerator({ clock: {} as Clock })).toThrow(/options\.clock/);
  });
});

describe('id parsing', () => {
  it('round-trips any canonical UUIDv7 text', () => {
    fc.assert(
      fc.property(uuidBytes, fc.boolean(), (bytes, upper) => {
        const text = formatV7(bytes);
        const input = upper ? text.toUpperCase() : text;

        expect(parseMessageId(input)).toBe(text);
        expect(parseCorrelationId(input)).toBe(text);
        expect(parseCausationId(input)).toBe(text);
      }),
    );
  });

  it('round-trips created ids', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (msecs) => {
        const id = createIdGenerator({ clock: { now: () => msecs } }).messageId();

        expect(parseMessageId(id)).toBe(id);
        expect(idTimestamp(parseMessageId(id))).toBe(msecs);
      }),
    );
  });

  it('rejects a wrong version nibble', () => {
    fc.assert(
      fc.property(uuidBytes, fc.integer({ min: 0, max: 15 }).filter((v) => v !== 7), (bytes, version) => {
        const text = formatV7(bytes);
        const wrong = `${text.slice(0, 14)}${version.toString(16)}${text.slice(15)}`;

        expect(() => parseMessageId(wrong)).toThrow(InvalidIdError);
      }),
    );
  });

  it('rejects a wrong variant', () => {
    fc.assert(
      fc.property(uuidBytes, fc.constantFrom(...'01234567cdef'), (bytes, variant) => {
        const text = formatV7(bytes);
        const wrong = `${text.slice(0, 19)}${variant}${text.slice(20)}`;

        expect(() => parseCorrelationId(wrong)).toThrow(InvalidIdError);
      }),
    );
  });

  it('rejects a wrong length', () => {
    fc.assert(
      fc.property(uuidBytes, fc.integer({ min: 1, max: 35 }), (bytes, cut) => {
        const text = formatV7(bytes);

        expect(() => parseCausationId(text.slice(0, cut))).toThrow(InvalidIdError);
        expect(() => parseCausationId(`${text}0`)).toThrow(InvalidIdError);
        expect(() => parseCausationId(` ${text}`)).toThrow(InvalidIdError);
      }),
    );
  });

  it('rejects non-hex digits', () => {
    fc.assert(
      fc.property(
        uuidBytes,
        fc.integer({ min: 0, max: 35 }).filter((i) => ![8, 13, 18, 23].includes(i)),
        fc.constantFrom('g', 'z', 'G', '-', ' ', 'é', '_'),
        (bytes, index, bad) => {
          const text = formatV7(bytes);
          const wrong = `${text.slice(0, index)}${bad}${text.slice(index + 1)}`;

          expect(() => parseMessageId(wrong)).toThrow(InvalidIdError);
        },
      ),
    );
  });

  it('rejects non-strings', () => {
    for (const value of [undefined, null, 42, {}, [], Symbol('id'), 10n]) {
      expect(() => parseMessageId(value)).toThrow(InvalidIdError);
      expect(() => parseMessageId(value)).toThrow(TypeError);
    }
  });

  it('names argument, value and expected form', () => {
    const error = (() => {
      try {
        parseCorrelationId('not-an-id');
      } catch (caught) {
        return caught as InvalidIdError;
      }
      throw new Error('parseCorrelationId accepted an invalid id');
    })();

    expect(error.name).toBe('InvalidIdError');
    expect(error.argument).toBe('correlationId');
    expect(error.message).toContain('correlationId');
    expect(error.message).toContain('"not-an-id"');
    expect(error.message).toContain('UUIDv7');
    expect(error.message).toContain('xxxxxxxx-xxxx-7xxx-Vxxx-xxxxxxxxxxxx');
  });

  it('truncates long values in the message', () => {
    expect(() => parseMessageId('a'.repeat(10_000))).toThrow(/"a{20,80}…"/);
    expect(() => parseMessageId('a'.repeat(10_000))).not.toThrow(/a{200}/);
  });

  it('describes non-string values by type', () => {
    expect(() => parseMessageId(42)).toThrow(/number 42/);
    expect(() => parseMessageId(undefined)).toThrow(/undefined/);
    expect(() => parseMessageId({})).toThrow(/object/);
  });
});

describe('causation and timestamps', () => {
  it('uses the parent message id as causation id', () => {
    const parent = createMessageId();

    expect(causationIdOf(parent)).toBe(parent);
    expect(parseCausationId(causationIdOf(parent))).toBe(parent);
  });

  it('reads the timestamp of a known id', () => {
    // 0x0190163d8694 ms = 2024-06-17T20:21:56.756Z
    expect(idTimestamp(parseMessageId('0190163d-8694-739b-aea5-966c26f8ad91'))).toBe(0x0190163d8694);
  });

  it('rejects invalid ids in idTimestamp', () => {
    expect(() => idTimestamp('nope' as never)).toThrow(InvalidIdError);
    expect(() => causationIdOf('nope' as never)).toThrow(InvalidIdError);
  });
});
