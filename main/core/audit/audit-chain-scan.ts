/**
 * The fast, accept-only pass over one audit file that parallel verification runs per file: each
 * line (framed by audit-lines.ts's lineEnd) read by position from its bytes (the writer's own
 * layout, see audit-codec.ts sealEntry), its MAC checked over the bytes it covers, and its link
 * to the line before. It names nothing: a file it cannot accept whole goes through
 * verifyAuditLog's full checks, which say what is wrong. Every MAC is checked either way.
 */
import { MAX_LINE_CHARS } from './audit-codec.ts';
import { lineEnd } from './audit-lines.ts';
import type { LineMac } from './audit-line-mac.ts';

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

const SEQ_KEY = Buffer.from('{"seq":');
const TAMPER = Buffer.from('"event":"tamper"');
const PREV_KEY = Buffer.from(',"prev":"');
const MAC_KEY = Buffer.from('","mac":"');
const HEX_CHARS = 64;
/** `,"prev":"` + 64 hex + `","mac":"` + 64 hex + `"}` */
const TAIL = PREV_KEY.length + HEX_CHARS + MAC_KEY.length + HEX_CHARS + 2;
/** Where the MAC starts, from the start of the tail. */
const MAC_AT = PREV_KEY.length + HEX_CHARS + MAC_KEY.length;
/** Past 15 digits a number is no longer exact in a double; the writer's never get there. */
const MAX_SEQ_DIGITS = 15;

/** Whether `buf` holds `key`'s bytes at `at` (compared here: a native call per field costs more than the compare). */
function has(buf: Buffer, at: number, key: Buffer): boolean {
  for (let i = 0; i < key.length; i += 1) if (buf[at + i] !== key[i]) return false;
  return true;
}

/** The 64 hex digits at `at`. */
const text = (buf: Buffer, at: number): string => buf.toString('latin1', at, at + HEX_CHARS);

/** Whether the 64 bytes at `a` and at `b` are the same. */
function same64(buf: Buffer, a: number, b: number): boolean {
  for (let i = 0; i < HEX_CHARS; i += 1) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/** The number after `{"seq":` at `at` as the writer prints it (digits, no leading zero, then a comma), or -1. */
function seqAt(buf: Buffer, at: number, end: number): number {
  if (!has(buf, at, SEQ_KEY)) return -1;
  const first = at + SEQ_KEY.length;
  let n = 0;
  let i = first;
  for (; i < end && i - first < MAX_SEQ_DIGITS && buf[i]! >= 0x30 && buf[i]! <= 0x39; i += 1)
    n = n * 10 + (buf[i]! - 0x30);
  return i > first && buf[first] !== 0x30 && buf[i] === 0x2c ? n : -1;
}

/** Where the line from `at` to the newline at `end` has its tail (`,"prev":"`...), or -1 when it is not laid out as the writer lays it out. */
function tailOf(buf: Buffer, at: number, end: number): number {
  const tail = end - TAIL;
  if (tail <= at || end - at > MAX_LINE_CHARS) return -1;
  return has(buf, tail, PREV_KEY) &&
    has(buf, tail + PREV_KEY.length + HEX_CHARS, MAC_KEY) &&
    buf[end - 2] === 0x22 &&
    buf[end - 1] === 0x7d
    ? tail
    : -1;
}

/**
 * Scans `buf[0, length)`, a whole audit file; `want` are the entry numbers whose MACs to return.
 * The MAC check compares bytes and builds no strings: only the file's first `prev`, its last MAC
 * and the wanted MACs become text.
 */
export function scanAuditFile(mac: LineMac, buf: Buffer, length: number, want: readonly number[]): FileScan {
  // A tamper entry fails verify (it names what was detected): such a file is left to the full checks.
  if (buf.subarray(0, length).indexOf(TAMPER) >= 0) return { ok: false };
  const macs: Record<number, string> = {};
  let count = 0;
  let firstSeq = 0;
  let seq = 0;
  /** Where the previous line's MAC is in `buf`. */
  let prevMacAt = -1;
  let firstPrevAt = -1;
  for (let at = 0; at < length; ) {
    const end = lineEnd(buf, at, length);
    if (end < 0) return { ok: false }; // a torn last line
    const tail = tailOf(buf, at, end);
    const lineSeq = tail < 0 ? -1 : seqAt(buf, at, tail);
    if (lineSeq < 1) return { ok: false };
    const prevAt = tail + PREV_KEY.length;
    if (count === 0) {
      firstSeq = lineSeq;
      firstPrevAt = prevAt;
    } else if (lineSeq !== seq + 1 || !same64(buf, prevAt, prevMacAt)) return { ok: false };
    const macAt = tail + MAC_AT;
    // The MAC covers the previous MAC, a newline, and the line up to its MAC with the object closed.
    if (!mac.holds(buf, prevAt, at, prevAt + HEX_CHARS + 1, macAt)) return { ok: false };
    if (want.includes(lineSeq)) macs[lineSeq] = text(buf, macAt);
    seq = lineSeq;
    prevMacAt = macAt;
    count += 1;
    at = end + 1;
  }
  if (count === 0) return { ok: true, count, firstSeq: 0, firstPrev: '', lastSeq: 0, lastMac: '', macs };
  return {
    ok: true,
    count,
    firstSeq,
    firstPrev: text(buf, firstPrevAt),
    lastSeq: seq,
    lastMac: text(buf, prevMacAt),
    macs,
  };
}

/**
 * Whether the files' scans, in order, make one intact chain that the head and the anchor agree
 * with: entry 1 first after GENESIS, each file starting where the one before ended, the head's
 * and the anchor's entries the ones they recorded, and the log reaching both. `undefined` means
 * "not shown here": run the full checks, which name the problem.
 */
export function chainHolds(
  scans: readonly FileScan[],
  ends: {
    head: { ok: true; seq: number; mac: string } | { ok: false; reason: string };
    anchor: { first: string; seq: number; mac: string } | null;
    requireEntries: boolean;
    genesis: string;
  },
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
  if (seq === 0)
    return !ends.requireEntries && !head.ok && head.reason === 'missing' && !anchor ? { entries: 0 } : undefined;
  if (!head.ok || head.seq > seq || (head.seq > 0 && macs[head.seq] !== head.mac)) return undefined;
  if (anchor && (macs[1] !== anchor.first || anchor.seq > seq || macs[anchor.seq] !== anchor.mac)) return undefined;
  return { entries: seq };
}
