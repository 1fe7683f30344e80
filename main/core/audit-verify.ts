import { createSecretKey } from 'node:crypto';
import { join } from 'node:path';
import { FILE, GENESIS, MAC_SUFFIX, intactMac, mac, sameHex } from './audit-codec.ts';
import { HEAD, readHead } from './audit-head.ts';
import type { FileSystem } from './ports.ts';

/** Where and why the chain breaks. */
export interface VerifyProblem {
  file: string;
  line: number;
  seq: number | undefined;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  files: number;
  problem: VerifyProblem | undefined;
}

/** Checks every entry's MAC, sequence and link, and the remembered chain head; names the first bad entry. */
export async function verifyAuditLog(fs: FileSystem, dir: string, rawKey: Buffer, options: { requireEntries?: boolean } = {}): Promise<VerifyReport> {
  const key = createSecretKey(rawKey);
  const files = (await fs.list(dir)).filter((n) => FILE.test(n));
  let prev = GENESIS;
  let expected = 1;
  let entries = 0;
  const fail = (file: string, line: number, seq: number | undefined, reason: string): VerifyReport => ({
    ok: false,
    entries,
    files: files.length,
    problem: { file, line, seq, reason },
  });
  const head = await readHead(fs, dir, key);
  let headSeen = false;
  for (const name of files) {
    const text = (await fs.readFile(join(dir, name)))?.toString('utf8') ?? '';
    const lines = text.split('\n');
    const torn = lines.pop();
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i]!;
      const intact = head.ok && head.seq === expected ? undefined : intactMac(key, line, prev, expected);
      if (intact !== undefined) {
        prev = intact;
        expected += 1;
        entries += 1;
        continue;
      }
      const m = MAC_SUFFIX.exec(line);
      let entry: { seq?: unknown; prev?: unknown } | undefined;
      try {
        entry = JSON.parse(line) as { seq?: unknown; prev?: unknown };
      } catch {
        entry = undefined;
      }
      const seq = typeof entry?.seq === 'number' ? entry.seq : undefined;
      if (!m || !entry) return fail(name, i + 1, seq, 'not an audit entry: the line was edited or damaged');
      const body = `${line.slice(0, m.index)}}`;
      if (!sameHex(mac(key, String(entry.prev), body), m[1]!)) {
        return fail(name, i + 1, seq, 'its MAC does not match: the entry was edited, or was not written by this vault');
      }
      if (seq !== expected || entry.prev !== prev) {
        const what = seq !== undefined && seq > expected ? `entries ${expected}..${seq - 1} are missing` : 'it is out of order';
        return fail(name, i + 1, seq, `the chain is broken before it (${what}): entries were deleted, reordered or replaced`);
      }
      if (head.ok && head.seq === seq && !sameHex(head.mac, m[1]!)) {
        return fail(name, i + 1, seq, 'it is not the entry the chain head recorded: the log was rewritten');
      }
      if (head.ok && head.seq === seq) headSeen = true;
      const recorded = entry as { event?: unknown; reason?: unknown };
      if (recorded.event === 'tamper') return fail(name, i + 1, seq, `tampering was detected and recorded here: ${String(recorded.reason)}`);
      prev = m[1]!;
      expected += 1;
      entries += 1;
    }
    if (torn) return fail(name, lines.length + 1, undefined, 'the last line is torn (a write was cut off); the agent repairs and records this on its next write');
  }
  if (entries === 0 && options.requireEntries) {
    return fail(files.at(0) ?? '(no file)', 0, undefined, 'the audit log is empty, but `tray-cred init` always writes its first entry: the log was deleted');
  }
  if (!head.ok) {
    if (entries === 0 && head.reason === 'missing') return { ok: true, entries, files: files.length, problem: undefined };
    return fail(HEAD, 1, undefined, head.reason === 'missing' ? 'the chain head is missing, so cutting off entries cannot be ruled out' : 'the chain head was edited');
  }
  if (!headSeen && head.seq > 0) {
    return fail(files.at(-1) ?? '(no file)', 0, head.seq, `the log ends at entry ${expected - 1} but entry ${head.seq} was written: entries were cut off`);
  }
  return { ok: true, entries, files: files.length, problem: undefined };
}
