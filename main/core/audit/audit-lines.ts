/**
 * The one reader of audit files' lines: every reader of the log (`audit`, verify, the writer's
 * tail, the history index and its snapshot, an entry's story, the programs seen, the follower)
 * reads through it, and nothing else reads an audit file (a dependency-cruiser rule and
 * test/core/audit-lines.test.ts hold that). So a hostile or damaged file meets one set of rules:
 *
 * - a line is the bytes before a newline; text is decoded a run of whole lines at a time, so bad
 *   UTF-8 reads as U+FFFD the same way on every thread (a newline byte is never inside a character);
 * - a torn last line (no newline yet) is left for later by a read of a range, and handed over
 *   marked torn by a read of a whole file, for verify to name it and the readers to try it;
 * - a file cut short while it is read ends the read at the bytes there were;
 * - a line longer than a read grows the read forwards until it fits (a whole file is one read);
 *   backwards, a run without a newline longer than any line tray-cred writes is skipped instead
 *   of read to the file's start;
 * - a whole file or a read from the end is refused when the file is over the audit file cap,
 *   before a byte of it is read.
 *
 * Forwards and backwards it works on the bytes as read, without a string per line where the
 * caller does not need one. Following a growing log is main/node/audit/audit-follower.ts, over
 * {@link linesForward}; the threads of parallel verify read whole files through
 * main/node/audit/audit-lines-sync.ts and walk them with {@link lineEnd}.
 */
import { join } from 'node:path';
import { MAX_LINE_CHARS, isAuditFile } from './audit-codec.ts';
import { LIMITS, tooLarge } from '../file-limits.ts';
import type { FileSystem } from '../ports/ports.ts';

const NL = 0x0a;
/** The first read forwards; a line longer than this (tray-cred writes none) doubles it until it fits. */
const CHUNK = 4 * 1024 * 1024;
/** How much of a file a read from the end takes at a time. */
const BACK_CHUNK = 256 * 1024;
/** The most bytes a line tray-cred writes can take (4 per UTF-16 unit at worst). */
export const MAX_LINE_BYTES = MAX_LINE_CHARS * 4;
/** The first look back for the line that ends at an offset: tray-cred's lines are a few hundred bytes. */
const LOOK_BACK = 4096;

/** A run of lines read from a file, as bytes. */
interface LineBlock {
  /** Whole lines, each with its newline; or, when `torn`, the last line of the file, which has none. */
  bytes: Buffer;
  /** Where `bytes` starts in the file. */
  start: number;
  /** Where it ends: after its last newline, or at the end of the torn line. */
  end: number;
  /** Only the last block of a read that asked for the torn line ({@link fileLines}) can be. */
  torn: boolean;
}

/** The block's lines as text, without their newlines (one decode and one split, empty lines kept). */
export function blockLines(block: LineBlock): string[] {
  return block.bytes.toString('utf8', 0, block.torn ? block.bytes.length : block.bytes.length - 1).split('\n');
}

/**
 * The whole lines of `path` between `from` and `to` (its size when the read began), in blocks,
 * in order, read `first` bytes at a time (then 4 MiB). The line after the last newline is torn
 * (the rest comes with a later write): it is left, the last block's `end` stopping before it,
 * unless `torn` asks for it. A file cut short since `to` was read ends the read, instead of
 * waiting for bytes that never come.
 */
export async function* linesForward(
  fs: FileSystem,
  path: string,
  from: number,
  to: number,
  options: { torn?: boolean; first?: number } = {},
): AsyncGenerator<LineBlock> {
  let at = from;
  let want = options.first ?? CHUNK;
  while (at < to) {
    const ask = Math.min(want, to - at);
    const chunk = await fs.readRange(path, at, ask);
    const cut = chunk.lastIndexOf(NL) + 1;
    if (cut > 0) {
      yield { bytes: chunk.subarray(0, cut), start: at, end: at + cut, torn: false };
      at += cut;
      want = CHUNK;
      continue;
    }
    // No newline: the end of the range, or of a file cut short since its size was read, holds a torn line.
    if (at + chunk.length >= to || chunk.length < ask) {
      if (options.torn && chunk.length > 0) yield { bytes: chunk, start: at, end: at + chunk.length, torn: true };
      return;
    }
    want *= 2; // one line longer than a chunk
  }
}

/**
 * Every line of the audit file at `path`, its torn last line included (marked), in blocks; nothing
 * when there is no file. The file is read whole, in one read, when it is within the audit file
 * cap, and refused by its size before reading when it is over.
 */
export async function* fileLines(fs: FileSystem, path: string): AsyncGenerator<LineBlock> {
  const size = await fs.size(path);
  if (size === null) return;
  if (size > LIMITS.auditFile.bytes) throw tooLarge(path, size, LIMITS.auditFile);
  yield* linesForward(fs, path, 0, size, { torn: true, first: size });
}

/**
 * The lines of the audit file at `path` that begin with `prefix` (ASCII), as text: found in the
 * bytes, so the lines around them are never decoded.
 */
export async function* linesStartingWith(fs: FileSystem, path: string, prefix: string): AsyncGenerator<string> {
  const head = Buffer.from(prefix, 'latin1');
  for await (const { bytes } of fileLines(fs, path)) {
    for (let at = bytes.indexOf(head); at >= 0; at = bytes.indexOf(head, at + 1)) {
      if (at > 0 && bytes[at - 1] !== NL) continue;
      const end = bytes.indexOf(NL, at);
      yield bytes.toString('utf8', at, end < 0 ? bytes.length : end);
    }
  }
}

/**
 * The lines of `path` from the offset `from` (by default its end) back, newest first, read in
 * chunks: the `audit` command shows 50 entries of a log that may hold a million, so it reads the
 * bytes those take, not the files. A line longer than a chunk grows the next read until it is
 * whole, up to {@link MAX_LINE_BYTES}; a longer run without a newline is dropped, as the
 * whole-file reads skip such a line. A torn last line comes first, as it is. A file over the
 * audit file cap is refused before reading.
 */
export async function* linesFromEnd(fs: FileSystem, path: string, from?: number): AsyncGenerator<string> {
  const size = (await fs.size(path)) ?? 0;
  if (size > LIMITS.auditFile.bytes) throw tooLarge(path, size, LIMITS.auditFile);
  let end = Math.min(from ?? size, size);
  let carry: Buffer = Buffer.alloc(0);
  let want = BACK_CHUNK;
  while (end > 0) {
    const start = Math.max(0, end - want);
    const read = await fs.readRange(path, start, end - start);
    const chunk = carry.length > 0 ? Buffer.concat([read, carry]) : read;
    end = start;
    // The first line of the chunk may be cut: keep it for the next read, unless this is the file's start.
    const cut = start === 0 ? -1 : chunk.indexOf(NL);
    if (cut < 0 && start > 0) {
      // No newline yet: a longer line than tray-cred writes is dropped instead of read to the file's start.
      carry = chunk.length > MAX_LINE_BYTES ? Buffer.alloc(0) : chunk;
      want = chunk.length > MAX_LINE_BYTES ? BACK_CHUNK : want * 2;
      continue;
    }
    want = BACK_CHUNK;
    carry = chunk.subarray(0, cut + 1);
    yield* backwardsIn(chunk, cut + 1);
  }
  yield* backwardsIn(carry, 0);
}

/**
 * The non-empty lines of `bytes` from `from` on, last first, each decoded alone: a reader that
 * stops after a few (`audit --limit 50`) decodes those, not the whole chunk. `from` and the end
 * of `bytes` are line boundaries, so each line decodes as it would in the whole text.
 */
function* backwardsIn(bytes: Buffer, from: number): Generator<string> {
  for (let stop = bytes.length; ; ) {
    const newline = stop > from ? bytes.lastIndexOf(NL, stop - 1) : -1;
    const start = newline < from ? from : newline + 1;
    if (stop > start) yield bytes.toString('utf8', start, stop);
    if (newline < from) return;
    stop = newline;
  }
}

/**
 * Every line of the log in `dir`, newest first, unparsed: for a reader that parses only the lines
 * it needs. `from` starts the read at an offset of one file (and the files before it) instead of
 * at the end of the newest.
 */
export async function* auditLinesFromEnd(
  fs: FileSystem,
  dir: string,
  from?: { file: string; offset: number },
): AsyncGenerator<string> {
  const files = (await fs.list(dir)).filter(isAuditFile);
  for (let f = files.length - 1; f >= 0; f -= 1) {
    const name = files[f]!;
    if (from && name > from.file) continue;
    yield* linesFromEnd(fs, join(dir, name), from && name === from.file ? from.offset : undefined);
  }
}

/** The end of an audit file as the writer goes on from it: see {@link lastLine}. */
type FileEnd = { whole: true; end: number; torn: number; line: string | undefined } | { whole: false };

/**
 * The last `window` bytes of `path`, which was `size` bytes long: `end` is the offset after its
 * last newline, `torn` how many bytes of a torn line follow it, `line` its last non-empty line
 * before that. `whole: false` when no newline but a last one falls in the window and the file
 * goes on before it: a last line longer than the window, which the writer never writes.
 */
export async function lastLine(fs: FileSystem, path: string, size: number, window: number): Promise<FileEnd> {
  const start = Math.max(0, size - window);
  const chunk = await fs.readRange(path, start, size - start);
  if (chunk.lastIndexOf(NL, chunk.length - 2) < 0 && start > 0) return { whole: false };
  const cut = chunk.length > 0 && chunk[chunk.length - 1] !== NL ? chunk.lastIndexOf(NL) + 1 : chunk.length;
  const line = chunk.subarray(0, cut).toString('utf8').split('\n').filter(Boolean).at(-1);
  return { whole: true, end: start + cut, torn: chunk.length - cut, line };
}

/**
 * The bytes of the line that ends at `offset` of `path` (its newline the byte before `offset`),
 * without the newline; `undefined` when the file is shorter, no line ends there, or the line is
 * longer than `most` bytes.
 */
export async function lineEndingAt(
  fs: FileSystem,
  path: string,
  offset: number,
  most: number,
): Promise<Buffer | undefined> {
  for (let back = LOOK_BACK; ; back = most + 1) {
    const start = Math.max(0, offset - back);
    const bytes = await fs.readRange(path, start, offset - start);
    if (bytes.length !== offset - start || bytes[bytes.length - 1] !== NL) return undefined;
    const from = bytes.lastIndexOf(NL, bytes.length - 2);
    if (from >= 0 || start === 0) return bytes.subarray(from + 1, bytes.length - 1);
    // A line longer than the first look back (tray-cred writes none): once more, as far back as a line can be.
    if (back >= most) return undefined;
  }
}

/**
 * Where the line that starts at `at` in `buf[0, length)`, a whole file already read, has its
 * newline; -1 when it has none there (a torn last line). Bytes past `length` (a buffer reused from
 * file to file) are never taken for a newline. A loop over a buffer's lines steps from one line's
 * newline to the next line: parallel verify's scan, whose loop is its hot path, walks files so.
 */
export function lineEnd(buf: Buffer, at: number, length: number): number {
  const newline = buf.indexOf(NL, at);
  return newline < length ? newline : -1;
}
