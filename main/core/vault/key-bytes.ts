import { createHmac } from 'node:crypto';

/*
 * Key material handled as Buffers from the keychain to its last use, so a lock can zero it.
 * Node offers no base64 decoder and no HKDF that stays in Buffers: `Buffer.from(text, 'base64')`
 * needs the key as a V8 string (which nobody can wipe) and `hkdfSync` wraps its input in a
 * KeyObject (cleared only when collected). Both are short, and each is checked against Node's
 * own in test/core/key-bytes.test.ts.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i += 1) VALUE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d; // '='

/**
 * A zeroed Buffer over its own ArrayBuffer. `Buffer.alloc(32)` would put a small buffer's bytes
 * inside the V8 heap, where the garbage collector moves them and leaves the old copy behind
 * unzeroed; an ArrayBuffer's store stays where it was allocated, so zeroing it is final.
 */
export function secretBuffer(length: number): Buffer {
  return Buffer.from(new ArrayBuffer(length));
}

/** Decodes standard base64 text held in `text` (ASCII bytes) into a new Buffer; `null` when it is not base64. */
export function decodeBase64Bytes(text: Buffer): Buffer | null {
  let end = text.length;
  while (end > 0 && (text[end - 1] === 0x0a || text[end - 1] === 0x0d)) end -= 1;
  if (end % 4 !== 0) return null;
  const pad = end > 0 && text[end - 1] === PAD ? (text[end - 2] === PAD ? 2 : 1) : 0;
  const out = secretBuffer((end / 4) * 3 - pad);
  for (let i = 0, o = 0; i < end; i += 4) {
    let group = 0;
    for (let j = 0; j < 4; j += 1) {
      const c = text[i + j]!;
      const v = c === PAD && i + j >= end - pad ? 0 : VALUE[c]!;
      if (v < 0) {
        out.fill(0);
        return null;
      }
      group = (group << 6) | v;
    }
    for (const shift of [16, 8, 0]) if (o < out.length) out[o++] = (group >> shift) & 0xff;
  }
  return out;
}

/** HKDF-SHA256 (RFC 5869) with an empty salt, for up to 32 bytes: one Extract and one Expand block. */
export function hkdf32(ikm: Buffer, info: string, length: number): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
  const okm = createHmac('sha256', prk).update(info).update(Buffer.of(1)).digest();
  prk.fill(0);
  const out = Buffer.from(okm.subarray(0, length));
  okm.fill(0);
  return out;
}
