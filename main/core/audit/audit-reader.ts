import { join } from 'node:path';
import { isAuditFile, parseLine, type AuditEntry, type ParsedLine } from './audit-codec.ts';
import { auditLinesFromEnd, blockLines, fileLines } from './audit-lines.ts';
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
    for await (const block of fileLines(fs, join(dir, name))) {
      for (const line of blockLines(block)) {
        if (!line) continue;
        const parsed = parseLine(line);
        if (parsed.ok) out.push(parsed.entry);
      }
    }
  }
  return out;
}

/**
 * Every entry of the log, newest first, with the link its MAC covers, read from the end back
 * (or from `from`, an offset of one file): a reader that needs only the recent past (the agent's
 * programs seen, the follower's start) stops when it has it.
 */
export async function* entriesFromEnd(
  fs: FileSystem,
  dir: string,
  from?: { file: string; offset: number },
): AsyncGenerator<ParsedLine & { ok: true }> {
  for await (const line of auditLinesFromEnd(fs, dir, from)) {
    const parsed = parseLine(line);
    if (parsed.ok) yield parsed;
  }
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
