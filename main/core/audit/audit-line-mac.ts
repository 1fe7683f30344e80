/**
 * The MAC of one audit line checked over the file's bytes, for verify's fast pass over a million
 * lines: the same HMAC-SHA256 as audit-codec.ts's mac() (the previous MAC, a newline, the line up
 * to its MAC with the object closed), built as RFC 2104 defines it from two one-shot
 * `crypto.hash` calls over a scratch buffer that holds the key's pads. `createHmac` per line costs
 * a KeyObject import and four JS-to-C++ calls per update/digest; this costs two calls and one copy,
 * with the digests as strings rather than Buffers (half the cost per line, measured on Node 24). The test
 * compares it with `createHmac` on the codec's own lines and on random ones.
 */
import { hash } from 'node:crypto';

/** SHA-256's block: a key up to this long is padded, not hashed first (the audit key is 32 bytes). */
const BLOCK = 64;
const HEX_CHARS = 64;
const DIGEST = 32;
const IPAD = 0x36;
const OPAD = 0x5c;
const NEWLINE = 0x0a;
const CLOSE = 0x7d;

export class LineMac {
  /** ipad | prev (64 hex) | "\n" | body | "}": the inner hash's input, rebuilt per line. */
  #inner: Buffer;
  /** opad | inner digest. */
  readonly #outer = Buffer.alloc(BLOCK + DIGEST);

  constructor(rawKey: Uint8Array, longestLine: number) {
    if (rawKey.length > BLOCK) throw new Error('an audit key longer than a SHA-256 block');
    this.#inner = Buffer.alloc(BLOCK + HEX_CHARS + 1 + longestLine + 1);
    for (let i = 0; i < BLOCK; i += 1) {
      const k = rawKey[i] ?? 0;
      this.#inner[i] = k ^ IPAD;
      this.#outer[i] = k ^ OPAD;
    }
  }

  /**
   * Whether `buf[macAt, macAt + 64)` is, in lowercase hex, the MAC of the previous MAC at
   * `buf[prevAt, prevAt + 64)`, a newline, and `buf[bodyStart, bodyEnd)` followed by `}`.
   * The body must be at most the `longestLine` the instance was made for.
   */
  holds(buf: Buffer, prevAt: number, bodyStart: number, bodyEnd: number, macAt: number): boolean {
    const inner = this.#inner;
    buf.copy(inner, BLOCK, prevAt, prevAt + HEX_CHARS);
    let at = BLOCK + HEX_CHARS;
    inner[at] = NEWLINE;
    at += 1 + buf.copy(inner, at + 1, bodyStart, bodyEnd);
    inner[at] = CLOSE;
    // Digests as strings: a Buffer per digest (a backing store each) costs as much as the hashing.
    const innerDigest = hash('sha256', inner.subarray(0, at + 1), 'binary'); // latin1: one char per byte
    const outer = this.#outer;
    for (let i = 0; i < DIGEST; i += 1) outer[BLOCK + i] = innerDigest.charCodeAt(i);
    const digest = hash('sha256', outer, 'hex');
    // Every digit is compared (no early exit), as timingSafeEqual would; the MAC is lowercase hex, as the writer writes it.
    let differs = 0;
    for (let i = 0; i < HEX_CHARS; i += 1) differs |= digest.charCodeAt(i) ^ buf[macAt + i]!;
    return differs === 0;
  }

  /** Zeroes the key's pads and the last line's copy. */
  wipe(): void {
    this.#inner.fill(0);
    this.#outer.fill(0);
  }
}
