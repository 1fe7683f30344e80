import { join } from 'node:path';
import { isAuditFile, MAX_LINE_CHARS, parseLine, type AuditEntry, type ParsedLine } from './audit-codec.ts';
import { LIMITS, readCapped, tooLarge } from '../file-limits.ts';
import type { FileSystem } from '../ports/ports.ts';

export interface AuditFilter {
  profile?: string | undefined;
  limit?: number | undefined;
}

/**
 * Every entry in the given files (all files when omitted), oldest first, unverified. A line
 * that is not an entry (torn, damaged, or JSON of another shape) is skipped, so one bad line
 * cannot stop `tray-cred audit` from showing the rest; verify names it.
 */
export async function readAuditLog(fs: FileSystem, dir: string, only?: string[]): Promise<AuditEntry[]> {
  const files = only ?? (await fs.list(dir)).filter(isAuditFile);
  const out: AuditEntry[] = [];
  for (const name of files) {
    const text = (await readCapped(fs, join(dir, name), LIMITS.auditFile))?.toString('utf8') ?? '';
    for (const line of text.split('\n')) {
      if (!line) continue;
      const parsed = parseLine(line);
      if (parsed.ok) out.push(parsed.entry);
    }
  }
  return out;
}

/** How much of a file `queryAuditLog` reads at a time, from its end back. */
const BACK_CHUNK = 256 * 1024;
/** The most bytes a line tray-cred writes can take (4 per UTF-16 unit at worst). */
const MAX_LINE_BYTES = MAX_LINE_CHARS * 4;

/**
 * The lines of `path` from its end back, newest first, read in chunks: `tray-cred audit` shows
 * 50 entries of a log that may hold a million, so it reads the bytes those take, not the files.
 * A line longer than a chunk grows the next read until it is whole, up to the longest line
 * tray-cred writes (UTF-8 of MAX_LINE_CHARS); a longer run without a newline is skipped, as the
 * whole-file readers skip such a line. A file over the audit file cap is refused before reading.
 */
async function* linesFromEnd(fs: FileSystem, path: string): AsyncGenerator<string> {
  let end = (await fs.size(path)) ?? 0;
  if (end > LIMITS.auditFile.bytes) throw tooLarge(path, end, LIMITS.auditFile);
  let carry = Buffer.alloc(0);
  let want = BACK_CHUNK;
  while (end > 0) {
    const start = Math.max(0, end - want);
    const chunk = Buffer.concat([await fs.readRange(path, start, end - start), carry]);
    end = start;
    // The first line of the chunk may be cut: keep it for the next read, unless this is the file's start.
    const cut = start === 0 ? -1 : chunk.indexOf(0x0a);
    if (cut < 0 && start > 0) {
      // No newline yet: a longer line than tray-cred writes is dropped instead of read to the file's start.
      carry = chunk.length > MAX_LINE_BYTES ? Buffer.alloc(0) : chunk;
      want = chunk.length > MAX_LINE_BYTES ? BACK_CHUNK : want * 2;
      continue;
    }
    want = BACK_CHUNK;
    carry = chunk.subarray(0, cut + 1);
    const lines = chunk.subarray(cut + 1).toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i -= 1) if (lines[i]) yield lines[i]!;
  }
  const rest = carry.toString('utf8').split('\n');
  for (let i = rest.length - 1; i >= 0; i -= 1) if (rest[i]) yield rest[i]!;
}

/**
 * Every entry of the log, newest first, with the link its MAC covers, read from the end back:
 * a reader that needs only the recent past (the agent's programs seen) stops when it has it.
 */
export async function* entriesFromEnd(fs: FileSystem, dir: string): AsyncGenerator<ParsedLine & { ok: true }> {
  for await (const line of auditLinesFromEnd(fs, dir)) {
    const parsed = parseLine(line);
    if (parsed.ok) yield parsed;
  }
}

/** Every line of the log, newest first, unparsed: for a reader that parses only the lines it needs. */
export async function* auditLinesFromEnd(fs: FileSystem, dir: string): AsyncGenerator<string> {
  const files = (await fs.list(dir)).filter(isAuditFile);
  for (let f = files.length - 1; f >= 0; f -= 1) yield* linesFromEnd(fs, join(dir, files[f]!));
}

/**
 * The newest entries matching the filter, oldest first. Lines are read from the newest back and
 * only until the limit is reached: checking each line's shape costs as much again as parsing it.
 */
export async function queryAuditLog(fs: FileSystem, dir: string, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const limit = filter.limit ?? Infinity;
  const newestFirst: AuditEntry[] = [];
  if (limit <= 0) return newestFirst;
  for await (const { entry } of entriesFromEnd(fs, dir)) {
    if (filter.profile === undefined || entry.profile === filter.profile) newestFirst.push(entry);
    if (newestFirst.length >= limit) break;
  }
  return newestFirst.reverse();
}
