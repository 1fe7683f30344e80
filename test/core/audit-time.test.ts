import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRecord, parseTime } from '../../main/core/audit/audit-codec.ts';

/** `YYYY-MM-DDTHH:MM:SS.sssZ` with each field any digits, in and out of range. */
const isoLike = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    ...[99, 99, 99, 99, 99].map((max) => fc.integer({ min: 0, max })),
    fc.integer({ min: 0, max: 999 }),
  )
  .map(
    ([y, mo, d, h, mi, s, ms]) =>
      `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}Z`,
  );

describe('audit entry times', () => {
  it('reads every time the writer writes as Date.parse does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_000_000_000_000, max: 253_402_300_799_999 }), (ms) => {
        const text = new Date(ms).toISOString();
        assert.equal(parseTime(text), Date.parse(text));
        assert.equal(parseTime(text), ms);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads any other text of the same shape, and any text at all, as Date.parse does (NaN where it refuses)', () => {
    fc.assert(
      fc.property(isoLike, (text) => Object.is(parseTime(text), Date.parse(text))),
      { numRuns: 20_000 },
    );
    const mutated = fc
      .tuple(isoLike, fc.nat(23), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }))
      .map(([t, at, c]) => t.slice(0, at) + c + t.slice(at + 1));
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ unit: 'binary', maxLength: 30 })), (text) =>
        Object.is(parseTime(text), Date.parse(text)),
      ),
      { numRuns: 20_000 },
    );
    for (const text of [
      '2025-02-29T00:00:00.000Z',
      '2025-01-01T24:00:00.000Z',
      '0050-01-01T00:00:00.000Z',
      '2025-01-01T23:60:00.000Z',
      '２025-01-01T00:00:00.000Z',
      '+2025-01-01T00:00:00.000Z',
      '2025-1-01T00:00:00.0000Z',
    ]) {
      assert.ok(Object.is(parseTime(text), Date.parse(text)), text);
    }
  });

  it('refuses a record whose time Date.parse refuses, and keeps the time it gives', () => {
    assert.equal(parseRecord('{"seq":1,"time":"2025-01-01T23:60:00.000Z","event":"init"}').ok, false);
    const rolled = parseRecord('{"seq":1,"time":"2025-02-30T00:00:00.000Z","event":"init"}');
    assert.ok(
      rolled.ok && rolled.at === Date.parse('2025-03-02T00:00:00.000Z'),
      'a day past the month rolls over, as Date.parse has it',
    );
  });
});
