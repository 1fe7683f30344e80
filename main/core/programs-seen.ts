/**
 * "Never seen before" for the agent: which verified programs were served which profile in the
 * last FIRST_USE_DAYS, derived from the audit log (no second store). The tray's history index
 * answers the same question for its window, but costs hundreds of MB at a million entries; the
 * agent keeps one time per (profile, program) pair, read once at start from the log's end back
 * to the window's start, then kept current from the entries it appends.
 */
import { FIRST_USE_DAYS } from '../../common/history.ts';
import { linkHolds, type AuditRecord, type MacKey } from './audit-codec.ts';
import { verifiedExe } from './audit-extras.ts';
import { entriesFromEnd } from './audit-reader.ts';
import { SERVED_DECISIONS } from './history-columns.ts';
import type { FileSystem, FirstUse } from './ports.ts';

export const FIRST_USE_MS = FIRST_USE_DAYS * 24 * 3600 * 1000;

const keyOf = (profile: string, exe: string): string => `${profile}\u0000${exe}`;

/** The (profile, program) pair an entry served, or `undefined` when it served nothing to a verified program. */
function servedPair(e: AuditRecord): string | undefined {
  if (e.event !== 'access' || e.profile === undefined || e.decision === undefined || !SERVED_DECISIONS.has(e.decision)) return undefined;
  const exe = verifiedExe(e);
  return exe === undefined ? undefined : keyOf(e.profile, exe);
}

export class ProgramsSeen implements FirstUse {
  private readonly last = new Map<string, number>();

  /** Pairs known, for the agent's figures. */
  get size(): number {
    return this.last.size;
  }

  isFirstUse(profile: string, exe: string, now: number): boolean {
    const at = this.last.get(keyOf(profile, exe));
    return at === undefined || now - at > FIRST_USE_MS;
  }

  /** Notes entries this agent has just written (AuditLog.onAppended): they are its own, so trusted as they are. */
  note(entries: readonly AuditRecord[]): void {
    for (const e of entries) {
      const pair = servedPair(e);
      const at = Date.parse(e.time);
      if (pair !== undefined && !Number.isNaN(at) && at > (this.last.get(pair) ?? -Infinity)) this.last.set(pair, at);
    }
  }

  /**
   * Reads the log from its end back to FIRST_USE_DAYS before `now`. The newest entry of each
   * pair counts only when its MAC holds under the audit key: a line another process of the user
   * wrote into the log cannot make a program look known (a copied genuine line keeps its time).
   * Returns how many entries were read.
   */
  async load(fs: FileSystem, dir: string, key: MacKey, now: number): Promise<number> {
    const since = now - FIRST_USE_MS;
    let read = 0;
    for await (const { entry, link } of entriesFromEnd(fs, dir)) {
      read += 1;
      const at = Date.parse(entry.time);
      if (at < since) break;
      const pair = servedPair(entry);
      if (pair === undefined || at <= (this.last.get(pair) ?? -Infinity)) continue;
      if (linkHolds(key, link)) this.last.set(pair, at);
    }
    return read;
  }
}
