import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../main/core/errors.ts';
import { parseExpiration } from '../../main/core/profiles/expiration.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('parseExpiration: an ISO 8601 date-time with its zone, not past', () => {
  const good: [string, string][] = [
    ['2026-12-08T18:00:00Z', '2026-12-08T18:00:00.000Z'],
    ['2026-12-08T19:00:00+01:00', '2026-12-08T18:00:00.000Z'],
    ['2026-12-08T13:30:00.5-04:30', '2026-12-08T18:00:00.500Z'],
    ['2026-12-08 18:00:00+0000', '2026-12-08T18:00:00.000Z'],
    ['2026-12-08T18:00Z', '2026-12-08T18:00:00.000Z'],
  ];
  for (const [text, iso] of good) it(`reads ${text}`, () => assert.equal(parseExpiration('sess', text, NOW), iso));

  for (const text of [
    '2026-12-07',
    '2026-12-08T18:00:00',
    'tomorrow',
    '2026-02-30T10:00:00Z',
    '2026-12-08T25:00:00Z',
    '1765216800',
  ])
    it(`refuses ${JSON.stringify(text)}, asking for a full time with a zone and showing one`, () =>
      assert.throws(
        () => parseExpiration('sess', text, NOW),
        (e: unknown) =>
          e instanceof UsageError &&
          e.message ===
            `profile "sess": expiration "${text}" is not an ISO 8601 time with a zone: give the full date and time with Z or an offset, like 2026-12-08T18:00:00Z or 2026-12-08T19:00:00+01:00`,
      ));

  it('refuses a time already past when told the time, and reads it without', () => {
    assert.throws(
      () => parseExpiration('sess', '2026-12-01T12:00:00Z', NOW),
      /^UsageError: profile "sess": expiration 2026-12-01T12:00:00.000Z has passed/,
    );
    assert.equal(parseExpiration('sess', '2020-01-01T00:00:00Z'), '2020-01-01T00:00:00.000Z');
  });
});
