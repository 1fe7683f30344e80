/**
 * One access's full story, for the history window's detail pane and `tray-cred audit show`: the
 * entry read from its file by number, then laid out with claims and verified facts apart.
 */
import { join } from 'node:path';
import type { AccessStory } from '../../../common/history.ts';
import { isAuditFile, parseLine, type AuditEntry } from '../audit/audit-codec.ts';
import { linesStartingWith } from '../audit/audit-lines.ts';
import type { FileSystem } from '../ports/ports.ts';

/** An access key id as AWS issues them: safe to paste into a shell as it is. */
const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;

/**
 * Entry `seq` as its file holds it, unverified (verify vouches for the chain), or `undefined`.
 * Files are named for their first entry, so only the one file that can hold it is read, and
 * only the lines that begin with its number are decoded.
 */
export async function readEntry(fs: FileSystem, dir: string, seq: number): Promise<AuditEntry | undefined> {
  const files = (await fs.list(dir)).filter(isAuditFile);
  const file = files.findLast((name) => Number(name.slice(6, 18)) <= seq);
  if (!file) return undefined;
  for await (const line of linesStartingWith(fs, join(dir, file), `{"seq":${seq},`)) {
    const parsed = parseLine(line);
    if (parsed.ok && parsed.entry.seq === seq) return parsed.entry;
  }
  return undefined;
}

/** The CloudTrail lookup of what was done with `credentialId`. */
function cloudTrailLookup(credentialId: string | undefined): string | null {
  if (credentialId === undefined || !ACCESS_KEY_ID.test(credentialId)) return null;
  return `aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=${credentialId}`;
}

/** `entry` told in full; `anchoredSeq` is the keychain anchor's entry (0 without one), `firstUse` the history's mark. */
export function accessStory(entry: AuditEntry, context: { anchoredSeq: number; firstUse: boolean }): AccessStory {
  // parseLine refused any line whose verified or approval field is not of the shape the agent writes.
  const v = entry.verified;
  const a = entry.approval;
  const c = entry.caller;
  return {
    seq: entry.seq,
    time: entry.time,
    event: entry.event,
    profile: entry.profile ?? null,
    decision: entry.decision ?? null,
    reason: entry.reason ?? null,
    durationMs: entry.durationMs ?? null,
    requestId: entry.requestId ?? null,
    claimed: c ? { pid: c.pid, ppid: c.ppid, command: c.command, cwd: c.cwd, argv: c.argv ?? null } : null,
    verified: v
      ? {
          method: v.method,
          peer: { pid: v.peer.pid, uid: v.peer.uid },
          requester: {
            pid: v.requester.pid,
            exe: v.requester.exe,
            argv: [...v.requester.argv],
            cwd: v.requester.cwd,
            startTime: v.requester.startTime,
          },
          ancestry: v.ancestry.map((p) => ({ pid: p.pid, exe: p.exe, argv: [...p.argv] })),
        }
      : null,
    approval: a ? { scope: a.scope, grant: a.grant } : null,
    served: entry.served ?? null,
    credentialId: entry.credentialId ?? null,
    sessionName: entry.sessionName ?? null,
    cloudTrail: cloudTrailLookup(entry.credentialId),
    firstUse: context.firstUse,
    anchored: context.anchoredSeq >= entry.seq,
  };
}
