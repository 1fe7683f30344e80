import assert from 'node:assert/strict';
import { createHmac, createSecretKey } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  GENESIS,
  fileName,
  intactMac,
  isAuditFile,
  linkHolds,
  parseLine,
  parseRecord,
  sealEntry,
  type AuditInput,
} from '../../main/core/audit/audit-codec.ts';

const key = createSecretKey(Buffer.alloc(32, 7));
const otherKey = createSecretKey(Buffer.alloc(32, 8));
const TIME = '2026-11-26T09:00:00.000Z';
const access: AuditInput = {
  event: 'access',
  profile: 'dev',
  decision: 'allowed',
  reason: 'policy allow',
  caller: { pid: 7, ppid: 1, command: 'aws s3 ls', cwd: '/w' },
  durationMs: 3,
  requestId: 'req-1',
  served: 'minted',
  credentialId: 'ASIAEXAMPLE',
  sessionName: 'tray-cred-req-1',
};

/** A line in the writer's format (the MAC of `prev` and the JSON, at the end) for any object, well formed or not. */
function lineOf(fields: Record<string, unknown>, prev = GENESIS): string {
  const body = JSON.stringify(fields);
  const mac = createHmac('sha256', key).update(prev).update('\n').update(body).digest('hex');
  return `${body.slice(0, -1)},"mac":"${mac}"}`;
}

const good = { seq: 1, time: TIME, ...access, prev: GENESIS };

describe('audit codec', () => {
  it('reads back what it seals: the entry, its link, and a MAC only its key gives', () => {
    const first = sealEntry(key, access, 1, TIME, GENESIS);
    const second = sealEntry(key, { event: 'lock', reason: 'idle' }, 2, TIME, first.entry.mac);
    assert.equal(first.line, lineOf(good));
    assert.ok(!first.line.includes('\n'));
    for (const sealed of [first, second]) {
      const parsed = parseLine(sealed.line);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.deepEqual(parsed.entry, sealed.entry);
      assert.equal(parsed.link.mac, sealed.entry.mac);
      assert.equal(parsed.link.prev, sealed.entry.prev);
      assert.ok(linkHolds(key, parsed.link));
      assert.ok(!linkHolds(otherKey, parsed.link));
      assert.deepEqual(parseRecord(sealed.line), { ok: true, record: sealed.entry, at: Date.parse(TIME) });
    }
    assert.equal(second.entry.prev, first.entry.mac);
  });

  it('accepts the next entry of an intact chain by position, and nothing else', () => {
    const { entry, line } = sealEntry(key, access, 5, TIME, 'a'.repeat(64));
    assert.equal(intactMac(key, line, 'a'.repeat(64), 5), entry.mac);
    assert.equal(intactMac(key, line, 'a'.repeat(64), 6), undefined, 'another number');
    assert.equal(intactMac(key, line, 'b'.repeat(64), 5), undefined, 'another link');
    assert.equal(intactMac(otherKey, line, 'a'.repeat(64), 5), undefined, 'another key');
    assert.equal(intactMac(key, line.replace('"dev"', '"prd"'), 'a'.repeat(64), 5), undefined, 'an edit');
    const tamper = sealEntry(key, { event: 'tamper', reason: 'x' }, 5, TIME, 'a'.repeat(64));
    assert.equal(
      intactMac(key, tamper.line, 'a'.repeat(64), 5),
      undefined,
      'a tamper entry always gets the full checks',
    );
  });

  it('keeps fields it does not know, as another build may write them', () => {
    const parsed = parseLine(lineOf({ seq: 1, time: TIME, event: 'unlock', via: 'touch-id', prev: GENESIS }));
    assert.ok(parsed.ok);
    assert.equal((parsed.entry as unknown as Record<string, unknown>).via, 'touch-id');
  });

  const notEntries: [string, Record<string, unknown>, RegExp][] = [
    ['no seq', { time: TIME, event: 'lock', prev: GENESIS }, /seq/],
    ['seq as text', { ...good, seq: '1' }, /seq/],
    ['seq 0', { ...good, seq: 0 }, /seq/],
    ['seq not whole', { ...good, seq: 1.5 }, /seq/],
    ['no time', { seq: 1, event: 'lock', prev: GENESIS }, /time/],
    ['a time that is no time', { ...good, time: 'yesterday' }, /time/],
    ['no event', { seq: 1, time: TIME, prev: GENESIS }, /event/],
    ['an unknown event', { ...good, event: 'party' }, /event/],
    ['a profile that is a number', { ...good, profile: 3 }, /profile/],
    ['an unknown decision', { ...good, decision: 'maybe' }, /decision/],
    ['a reason that is null', { ...good, reason: null }, /reason/],
    ['a caller without a pid', { ...good, caller: { ppid: 1, command: 'aws', cwd: '/' } }, /caller/],
    ['a caller that is text', { ...good, caller: 'aws s3 ls' }, /caller/],
    ['a duration as text', { ...good, durationMs: '3' }, /durationMs/],
    ['a request id that is a number', { ...good, requestId: 1 }, /requestId/],
    ['an unknown served kind', { ...good, served: 'stolen' }, /served/],
    ['a credential id that is an object', { ...good, credentialId: {} }, /credentialId/],
    ['a session name that is an array', { ...good, sessionName: [] }, /sessionName/],
  ];
  for (const [what, fields, reason] of notEntries) {
    it(`rejects a line with ${what}, and still reads its link and number`, () => {
      const line = lineOf(fields);
      const parsed = parseLine(line);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.match(parsed.reason, reason);
      assert.equal(parsed.seq, typeof fields.seq === 'number' ? fields.seq : undefined);
      assert.ok(parsed.link && linkHolds(key, parsed.link), 'its MAC can still be checked');
      const record = parseRecord(line);
      assert.equal(record.ok, false);
      assert.match(record.ok ? '' : record.reason, reason);
    });
  }

  const unframed: [string, string][] = [
    ['junk', 'junk'],
    ['a torn line', lineOf(good).slice(0, 40)],
    ['JSON null', 'null'],
    ['a JSON array', `[${lineOf(good)}]`],
    ['only a seq', '{"seq":1}'],
    ['a whole record without its chain fields', JSON.stringify({ seq: 1, time: TIME, event: 'lock' })],
    ['a MAC in capitals', lineOf(good).replace(/"mac":"([0-9a-f]+)"/, (_, m: string) => `"mac":"${m.toUpperCase()}"`)],
    ['a MAC one digit short', lineOf(good).replace(/[0-9a-f]"\}$/, '"}')],
    [
      'the MAC not last',
      `${JSON.stringify({ seq: 1, mac: 'a'.repeat(64), time: TIME, event: 'lock', prev: GENESIS })}`,
    ],
  ];
  for (const [what, line] of unframed) {
    it(`rejects ${what}: no MAC at the end, so nothing to check`, () => {
      const parsed = parseLine(line);
      assert.equal(parsed.ok, false);
      assert.equal(parsed.ok ? undefined : parsed.link, undefined);
    });
  }

  it('rejects an entry whose prev is not a MAC, though its record reads', () => {
    const line = lineOf({ ...good, prev: 'zz' }, 'zz');
    const parsed = parseLine(line);
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.reason, /prev/);
    assert.equal(parseRecord(line).ok, true);
  });

  it('reads a record without its chain fields, for the history window', () => {
    const parsed = parseRecord(
      JSON.stringify({ seq: 4, time: TIME, event: 'access', profile: 'dev', decision: 'denied' }),
    );
    assert.deepEqual(parsed, {
      ok: true,
      record: { seq: 4, time: TIME, event: 'access', profile: 'dev', decision: 'denied' },
      at: Date.parse(TIME),
    });
    assert.deepEqual(parseRecord('{"seq":1}').ok, false);
    assert.deepEqual(parseRecord('not json'), { ok: false, reason: 'it is not a JSON object' });
  });

  it('names files for their first entry, so they sort in chain order, and knows them from other files', () => {
    assert.equal(fileName(1), 'audit-000000000001.jsonl');
    assert.equal(fileName(123_456), 'audit-000000123456.jsonl');
    assert.ok(fileName(9) < fileName(10));
    assert.ok(isAuditFile(fileName(1)));
    for (const other of [
      'head.json',
      'audit.lock',
      'audit-1.jsonl',
      'audit-000000000001.jsonl.tmp',
      'xaudit-000000000001.jsonl',
    ])
      assert.ok(!isAuditFile(other), other);
  });
});
