import { join } from 'node:path';
import { isAuditFile, parseLine, type AuditEntry } from './audit-codec.ts';
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
    const text = (await fs.readFile(join(dir, name)))?.toString('utf8') ?? '';
    for (const line of text.split('\n')) {
      if (!line) continue;
      const parsed = parseLine(line);
      if (parsed.ok) out.push(parsed.entry);
    }
  }
  return out;
}

/** The newest entries matching the filter, oldest first. */
export async function queryAuditLog(fs: FileSystem, dir: string, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const all = await readAuditLog(fs, dir);
  const matching = filter.profile === undefined ? all : all.filter((e) => e.profile === filter.profile);
  return filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit));
}
