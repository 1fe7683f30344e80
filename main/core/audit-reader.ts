import { join } from 'node:path';
import { isAuditFile, parseLine, type AuditEntry } from './audit-codec.ts';
import { LIMITS, readCapped } from './file-limits.ts';
import type { FileSystem } from './ports.ts';

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

/**
 * The newest entries matching the filter, oldest first. Lines are read from the newest back and
 * only until the limit is reached: `tray-cred audit` shows 50 entries of a log that may hold
 * 100,000, and checking each line's shape costs as much again as parsing it.
 */
export async function queryAuditLog(fs: FileSystem, dir: string, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const limit = filter.limit ?? Infinity;
  const files = (await fs.list(dir)).filter(isAuditFile);
  const newestFirst: AuditEntry[] = [];
  for (let f = files.length - 1; f >= 0 && newestFirst.length < limit; f -= 1) {
    const lines = ((await readCapped(fs, join(dir, files[f]!), LIMITS.auditFile))?.toString('utf8') ?? '').split('\n');
    for (let i = lines.length - 1; i >= 0 && newestFirst.length < limit; i -= 1) {
      const parsed = lines[i] ? parseLine(lines[i]!) : undefined;
      if (parsed?.ok && (filter.profile === undefined || parsed.entry.profile === filter.profile)) newestFirst.push(parsed.entry);
    }
  }
  return newestFirst.reverse();
}
