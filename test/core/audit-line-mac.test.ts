/**
 * The fast pass's HMAC (two one-shot hashes over the key's pads) against createHmac, which the
 * writer and the sequential verify use: the same answer on the codec's own lines and on random
 * ones, and a refusal of every one-byte change to what the MAC covers, and of the MAC itself.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GENESIS, sealEntry } from '../../main/core/audit/audit-codec.ts';
import { LineMac } from '../../main/core/audit/audit-line-mac.ts';

/** `prev` then a newline then the body in one buffer, with the MAC (hex) after it, as holds() reads them. */
function laidOut(prev: string, body: Buffer, mac: string): { buf: Buffer; bodyAt: number; macAt: number } {
  const buf = Buffer.concat([Buffer.from(`${prev}\n`), body, Buffer.from(mac)]);
  return { buf, bodyAt: 65, macAt: 65 + body.length };
}

/** What the writer computes: createHmac over prev, "\n", the body and "}". */
const writerMac = (key: Buffer, prev: string, body: Buffer): string =>
  createHmac('sha256', key).update(prev).update('\n').update(body).update('}').digest('hex');

describe('LineMac (the fast pass HMAC)', () => {
  it('accepts the MAC sealEntry wrote on a real line, and the chain of such lines', () => {
    const key = randomBytes(32);
    const mac = new LineMac(key, 64 * 1024);
    let prev = GENESIS;
    for (let seq = 1; seq <= 20; seq += 1) {
      const { line, entry } = sealEntry(
        key,
        { event: 'access', profile: `p${seq}`, decision: 'allowed', reason: 'ü€ 😀 "quoted"' },
        seq,
        new Date(seq).toISOString(),
        prev,
      );
      const bytes = Buffer.from(line);
      // The body is the line up to `,"mac":"`, closed by holds() with `}`.
      const bodyEnd = bytes.length - 74;
      const { buf, bodyAt, macAt } = laidOut(prev, bytes.subarray(0, bodyEnd), entry.mac);
      assert.equal(mac.holds(buf, 0, bodyAt, bodyAt + bodyEnd, macAt), true, `entry ${seq}`);
      prev = entry.mac;
    }
  });

  it('agrees with createHmac on any key, prev and body (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        fc.uint8Array({ maxLength: 3000 }),
        (key, prev, body) => {
          const right = writerMac(Buffer.from(key), prev, Buffer.from(body));
          const { buf, bodyAt, macAt } = laidOut(prev, Buffer.from(body), right);
          assert.equal(new LineMac(key, 3000).holds(buf, 0, bodyAt, bodyAt + body.length, macAt), true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a change to any byte it covers, to the MAC, or a MAC in uppercase hex', () => {
    const key = randomBytes(32);
    const mac = new LineMac(key, 1024);
    const prev = randomBytes(32).toString('hex');
    const body = Buffer.from('{"seq":7,"time":"t","event":"access","prev":"x"');
    const right = writerMac(key, prev, body);
    const { buf, bodyAt, macAt } = laidOut(prev, body, right);
    assert.equal(mac.holds(buf, 0, bodyAt, bodyAt + body.length, macAt), true);
    for (let at = 0; at < buf.length; at += 1) {
      if (at === 64) continue; // the newline between prev and body is the MAC's own, not read from the file
      const changed = Buffer.from(buf);
      changed[at] = changed[at]! ^ 0x01;
      assert.equal(mac.holds(changed, 0, bodyAt, bodyAt + body.length, macAt), false, `byte ${at} changed`);
    }
    const upper = laidOut(prev, body, right.toUpperCase());
    assert.notEqual(right, right.toUpperCase());
    assert.equal(mac.holds(upper.buf, 0, upper.bodyAt, upper.bodyAt + body.length, upper.macAt), false);
    // Another key gives another MAC.
    assert.equal(new LineMac(randomBytes(32), 1024).holds(buf, 0, bodyAt, bodyAt + body.length, macAt), false);
  });

  it('refuses a key longer than a SHA-256 block rather than computing something else', () => {
    assert.throws(() => new LineMac(Buffer.alloc(65), 10));
  });
});
