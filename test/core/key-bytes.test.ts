import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase64Bytes, hkdf32, secretBuffer } from '../../main/core/vault/key-bytes.ts';

describe('key bytes', () => {
  it('decodes base64 bytes as Node decodes the same text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        const text = Buffer.from(Buffer.from(bytes).toString('base64'));
        assert.deepEqual(decodeBase64Bytes(text), Buffer.from(bytes));
        assert.deepEqual(
          decodeBase64Bytes(Buffer.concat([text, Buffer.from('\n')])),
          Buffer.from(bytes),
          'a trailing newline (a hand-edited entry)',
        );
      }),
    );
  });

  it('refuses what is not base64 rather than guessing', () => {
    for (const bad of ['abc', 'ab$=', 'a=bc', '====', 'YWJj\u00e9ZA==', 'YW Jj'])
      assert.equal(decodeBase64Bytes(Buffer.from(bad)), null, bad);
  });

  it('derives the same subkeys as hkdfSync with an empty salt', () => {
    for (let i = 0; i < 20; i += 1) {
      const key = randomBytes(32);
      for (const [info, n] of [
        ['tray-cred vault v1', 32],
        ['tray-cred key id v1', 8],
      ] as const) {
        assert.deepEqual(hkdf32(key, info, n), Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, n)));
      }
    }
  });

  it('puts key bytes in a store of their own, outside the pool and the V8 heap', () => {
    const a = secretBuffer(32);
    assert.equal(a.length, 32);
    assert.equal(a.buffer.byteLength, 32, 'not a slice of the shared pool');
    assert.equal(a.byteOffset, 0);
    assert.ok(a.every((b) => b === 0));
    assert.equal(decodeBase64Bytes(Buffer.from(randomBytes(32).toString('base64')))!.buffer.byteLength, 32);
  });
});
