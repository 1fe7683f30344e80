import { createSecretKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import {
  GENESIS,
  MAX_LINE_CHARS,
  TOO_LONG,
  intactMac,
  isAuditFile,
  linkHolds,
  parseLine,
  sameHex,
} from './audit-codec.ts';
import type { AuditAnchor } from './audit-anchor.ts';
import { HEAD, readHead, type Head } from './audit-head.ts';
import { blockLines, fileLines } from './audit-lines.ts';
import type { FileSystem } from '../ports/ports.ts';

/** Where and why the chain breaks. */
interface VerifyProblem {
  file: string;
  line: number;
  seq: number | undefined;
  reason: string;
}

/** `entries` counts the intact entries before `problem`: what can still be trusted when the check fails. */
export interface VerifyReport {
  ok: boolean;
  entries: number;
  files: number;
  problem: VerifyProblem | undefined;
}

/** How far the walk along the chain has come. */
interface Walk {
  /** The MAC of the last entry checked, which the next one must name as its `prev`. */
  prev: string;
  expected: number;
  entries: number;
  /** Whether the entry the chain head names was among those checked. */
  headSeen: boolean;
}

type Checked = { ok: true; mac: string; atHead: boolean } | { ok: false; seq: number | undefined; reason: string };

/**
 * Checks every entry's MAC, sequence and link, the remembered chain head, and the keychain's
 * anchor (`anchor`: the chain's first entry and the last anchored one); names the first bad entry.
 */
export async function verifyAuditLog(
  fs: FileSystem,
  dir: string,
  rawKey: Buffer,
  options: { requireEntries?: boolean; anchor?: AuditAnchor | null } = {},
): Promise<VerifyReport> {
  const anchor = options.anchor ?? null;
  const key = createSecretKey(rawKey);
  const files = (await fs.list(dir)).filter(isAuditFile);
  const head = await readHead(fs, dir, key);
  const walk: Walk = { prev: GENESIS, expected: 1, entries: 0, headSeen: false };
  const report = (problem: VerifyProblem | undefined): VerifyReport => ({
    ok: problem === undefined,
    entries: walk.entries,
    files: files.length,
    problem,
  });
  for (const name of files) {
    let line = 0;
    for await (const block of fileLines(fs, join(dir, name))) {
      if (block.torn)
        return report({
          file: name,
          line: line + 1,
          seq: undefined,
          reason: 'the last line is torn (a write was cut off); the agent repairs and records this on its next write',
        });
      const lines = blockLines(block);
      const problem = checkLines(key, head, walk, name, lines, line, anchor);
      if (problem) return report(problem);
      line += lines.length;
    }
  }
  return report(checkEnd(head, walk, files, options.requireEntries === true) ?? checkAnchorEnd(anchor, walk, files));
}

/** Checks whole `lines` of file `name`, the first of them its line `before + 1`. */
function checkLines(
  key: KeyObject,
  head: Head,
  walk: Walk,
  name: string,
  lines: string[],
  before: number,
  anchor: AuditAnchor | null,
): VerifyProblem | undefined {
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    // The entry the head names gets the full checks: they compare it with the head.
    let entryMac = head.ok && head.seq === walk.expected ? undefined : intactMac(key, line, walk.prev, walk.expected);
    if (entryMac === undefined) {
      const checked = checkEntry(key, head, walk, line);
      if (!checked.ok) return { file: name, line: before + i + 1, seq: checked.seq, reason: checked.reason };
      if (checked.atHead) walk.headSeen = true;
      entryMac = checked.mac;
    }
    const unanchored = anchor && checkAnchored(anchor, walk.expected, entryMac);
    if (unanchored) return { file: name, line: before + i + 1, seq: walk.expected, reason: unanchored };
    walk.prev = entryMac;
    walk.expected += 1;
    walk.entries += 1;
  }
  return undefined;
}

/** The full checks of one line, which name what is wrong with it. */
function checkEntry(key: KeyObject, head: Head, walk: Walk, line: string): Checked {
  const parsed = parseLine(line);
  const seq = parsed.ok ? parsed.entry.seq : parsed.seq;
  const fail = (reason: string): Checked => ({ ok: false, seq, reason });
  if (!parsed.link)
    return fail(`not an audit entry: ${line.length > MAX_LINE_CHARS ? TOO_LONG : 'the line was edited or damaged'}`);
  // The MAC before the fields: an edit is named as one, whatever field it broke.
  if (!linkHolds(key, parsed.link))
    return fail('its MAC does not match: the entry was edited, or was not written by this vault');
  if (!parsed.ok) return fail(`not an audit entry: ${parsed.reason}`);
  const { entry } = parsed;
  if (entry.seq !== walk.expected || entry.prev !== walk.prev) {
    const what =
      entry.seq > walk.expected ? `entries ${walk.expected}..${entry.seq - 1} are missing` : 'it is out of order';
    return fail(`the chain is broken before it (${what}): entries were deleted, reordered or replaced`);
  }
  const atHead = head.ok && head.seq === entry.seq;
  if (atHead && !sameHex(head.mac, entry.mac))
    return fail('it is not the entry the chain head recorded: the log was rewritten');
  if (entry.event === 'tamper') return fail(`tampering was detected and recorded here: ${String(entry.reason)}`);
  return { ok: true, mac: entry.mac, atHead };
}

/** Entry 1 must be the chain's first the keychain anchored, and the anchored entry the one it recorded. */
function checkAnchored(anchor: AuditAnchor, seq: number, mac: string): string | undefined {
  if (seq === 1 && !sameHex(anchor.first, mac))
    return 'the log starts a different chain than the one the keychain anchored: the log was deleted or replaced and started again';
  if (seq === anchor.seq && !sameHex(anchor.mac, mac))
    return `it is not entry ${seq} as the keychain anchored it: the log was rewritten`;
  return undefined;
}

/** The log must reach the entry the keychain anchored: else it was wiped or cut (whatever head.json says). */
function checkAnchorEnd(anchor: AuditAnchor | null, walk: Walk, files: string[]): VerifyProblem | undefined {
  const last = walk.expected - 1;
  if (!anchor || last >= anchor.seq) return undefined;
  const what =
    last === 0
      ? 'the log was deleted'
      : `${anchor.seq - last} or more entries were cut off (an older head.json may have been put back)`;
  return {
    file: files.at(-1) ?? '(no file)',
    line: 0,
    seq: anchor.seq,
    reason: `the log ends at entry ${last} but the keychain anchored entry ${anchor.seq}: ${what}`,
  };
}

/** After the last line: a log that should not be empty, a missing or edited head, or entries cut off after the last one. */
function checkEnd(head: Head, walk: Walk, files: string[], requireEntries: boolean): VerifyProblem | undefined {
  if (walk.entries === 0 && requireEntries) {
    return {
      file: files.at(0) ?? '(no file)',
      line: 0,
      seq: undefined,
      reason: 'the audit log is empty, but `tray-cred init` always writes its first entry: the log was deleted',
    };
  }
  if (!head.ok) {
    if (walk.entries === 0 && head.reason === 'missing') return undefined;
    return {
      file: HEAD,
      line: 1,
      seq: undefined,
      reason:
        head.reason === 'missing'
          ? 'the chain head is missing, so cutting off entries cannot be ruled out'
          : 'the chain head was edited',
    };
  }
  if (!walk.headSeen && head.seq > 0) {
    return {
      file: files.at(-1) ?? '(no file)',
      line: 0,
      seq: head.seq,
      reason: `the log ends at entry ${walk.expected - 1} but entry ${head.seq} was written: entries were cut off`,
    };
  }
  return undefined;
}
