/**
 * The fast, accept-only pass over one audit file that parallel verification runs per file: each
 * line read by position from its bytes (the writer's own layout, see audit-codec.ts sealEntry),
 * its MAC checked over the bytes it covers, and its link to the line before. It names nothing:
 * a file it cannot accept whole goes through verifyAuditLog's full checks, which say what is
 * wrong. Every MAC is checked either way.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** What a file holds, as far as the scan accepted it. */
export type FileScan =
  | {
      ok: true;
      /** Lines in the file (0 for an empty file). */
      count: number;
      firstSeq: number;
      /** The `prev` the first line names: the MAC the file before must end with. */
      firstPrev: string;
      lastSeq: number;
      lastMac: string;
      /** The MACs of the entries asked for (the chain head's, the anchor's, entry 1), where in this file. */
      macs: Record<number, string>;
    }
  | { ok: false };

const NL = 0x0a;
const SEQ_KEY = Buffer.from('{"seq":');
const TAMPER = Buffer.from('"event":"tamper"');
/** `,"prev":"` + 64 hex + `","mac":"` + 64 hex + `"}` */
const TAIL = 9 + 64 + 9 + 64 + 2;
const PREV_KEY = Buffer.from(',"prev":"');
const MAC_KEY = Buffer.from('","mac":"');
const NEWLINE = Buffer.from('\n');
const CLOSE = Buffer.from('}');
const HEX = /^[0-9a-f]{64}$/;

/** The number after `{"seq":` at `at`, or -1. */
function seqAt(buf: Buffer, at: number, end: number): number {
  if (buf.compare(SEQ_KEY, 0, SEQ_KEY.length, at, at + SEQ_KEY.length) !== 0) return -1;
  let n = 0;
  let i = at + SEQ_KEY.length;
  for (; i < end && buf[i]! >= 0x30 && buf[i]! <= 0x39 && i - at < 24; i += 1) n = n * 10 + (buf[i]! - 0x30);
  return i > at + SEQ_KEY.length && buf[i] === 0x2c ? n : -1;
}

/** Scans `buf`, a whole audit file; `want` are the entry numbers whose MACs to return. */
export function scanAuditFile(key: KeyObject, buf: Buffer, want: readonly number[]): FileScan {
  const macs: Record<number, string> = {};
  let count = 0;
  let firstSeq = 0;
  let firstPrev = '';
  let seq = 0;
  let prev = '';
  for (let at = 0; at < buf.length; ) {
    const nl = buf.indexOf(NL, at);
    if (nl < 0) return { ok: false }; // a torn last line
    const end = nl;
    const tail = end - TAIL;
    const lineSeq = tail > at ? seqAt(buf, at, tail) : -1;
    if (lineSeq < 1 || buf.compare(PREV_KEY, 0, PREV_KEY.length, tail, tail + PREV_KEY.length) !== 0 || buf.compare(MAC_KEY, 0, MAC_KEY.length, tail + 73, tail + 82) !== 0 || buf[end - 1] !== 0x7d || buf[end - 2] !== 0x22) return { ok: false };
    const linePrev = buf.toString('latin1', tail + 9, tail + 73);
    const lineMac = buf.toString('latin1', tail + 82, tail + 146);
    if (!HEX.test(linePrev) || !HEX.test(lineMac)) return { ok: false };
    if (count === 0) {
      firstSeq = lineSeq;
      firstPrev = linePrev;
    } else if (lineSeq !== seq + 1 || linePrev !== prev) return { ok: false };
    // The MAC covers the previous MAC, a newline, and the line up to its MAC with the object closed.
    const body = buf.subarray(at, tail + 73 + 1);
    if (body.indexOf(TAMPER) >= 0) return { ok: false };
    const computed = createHmac('sha256', key).update(linePrev).update(NEWLINE).update(body).update(CLOSE).digest();
    if (!timingSafeEqual(computed, Buffer.from(lineMac, 'hex'))) return { ok: false };
    if (want.includes(lineSeq)) macs[lineSeq] = lineMac;
    seq = lineSeq;
    prev = lineMac;
    count += 1;
    at = nl + 1;
  }
  return { ok: true, count, firstSeq, firstPrev, lastSeq: seq, lastMac: prev, macs };
}

/**
 * Whether the files' scans, in order, make one intact chain that the head and the anchor agree
 * with: entry 1 first after GENESIS, each file starting where the one before ended, the head's
 * and the anchor's entries the ones they recorded, and the log reaching both. `undefined` means
 * "not shown here": run the full checks, which name the problem.
 */
export function chainHolds(
  scans: readonly FileScan[],
  ends: { head: { ok: true; seq: number; mac: string } | { ok: false; reason: string }; anchor: { first: string; seq: number; mac: string } | null; requireEntries: boolean; genesis: string },
): { entries: number } | undefined {
  let seq = 0;
  let prev = ends.genesis;
  const macs: Record<number, string> = {};
  for (const scan of scans) {
    if (!scan.ok) return undefined;
    if (scan.count === 0) continue;
    if (scan.firstSeq !== seq + 1 || scan.firstPrev !== prev) return undefined;
    Object.assign(macs, scan.macs);
    seq = scan.lastSeq;
    prev = scan.lastMac;
  }
  const { head, anchor } = ends;
  if (seq === 0) return !ends.requireEntries && !head.ok && head.reason === 'missing' && !anchor ? { entries: 0 } : undefined;
  if (!head.ok || head.seq > seq || (head.seq > 0 && macs[head.seq] !== head.mac)) return undefined;
  if (anchor && (macs[1] !== anchor.first || anchor.seq > seq || macs[anchor.seq] !== anchor.mac)) return undefined;
  return { entries: seq };
}
