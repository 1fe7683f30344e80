/**
 * "Never seen before" for the agent: which verified programs were served which profile in the
 * last FIRST_USE_DAYS, derived from the audit log (no second store). The tray's history index
 * answers the same question for its window, but costs hundreds of MB at a million entries; the
 * agent keeps one time per (profile, program) pair, read once at start from the log's end back
 * to the window's start, then kept current from the entries it appends.
 */
import { FIRST_USE_DAYS } from '../../../common/history.ts';
import { linkHolds, parseLine, type AuditRecord, type MacKey } from '../audit/audit-codec.ts';
import { verifiedExe } from '../audit/audit-extras.ts';
import { auditLinesFromEnd } from '../audit/audit-lines.ts';
import { SERVED_DECISIONS } from './history-columns.ts';
import type { FileSystem, FirstUse } from '../ports/ports.ts';

export const FIRST_USE_MS = FIRST_USE_DAYS * 24 * 3600 * 1000;

const keyOf = (profile: string, exe: string): string => `${profile}\u0000${exe}`;

/** The (profile, program) pair an entry served, or `undefined` when it served nothing to a verified program. Takes unchecked JSON too. */
function servedPair(e: { event?: unknown; profile?: unknown; decision?: unknown }): string | undefined {
  if (
    e.event !== 'access' ||
    typeof e.profile !== 'string' ||
    typeof e.decision !== 'string' ||
    !SERVED_DECISIONS.has(e.decision)
  )
    return undefined;
  const exe = verifiedExe(e);
  return exe === undefined ? undefined : keyOf(e.profile, exe);
}

/** A line as JSON, unchecked (the cheap first look: a third of parseLine's cost); `undefined` when it is not an object. */
function glance(line: string): { time?: unknown; event?: unknown; profile?: unknown; decision?: unknown } | undefined {
  try {
    const o: unknown = JSON.parse(line);
    return typeof o === 'object' && o !== null ? o : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `line` is an entry whose MAC holds under `key`: written by tray-cred, not by whoever can write the file. */
function genuine(line: string, key: MacKey): boolean {
  const parsed = parseLine(line);
  return parsed.ok && linkHolds(key, parsed.link);
}

export class ProgramsSeen implements FirstUse {
  private readonly last = new Map<string, number>();
  /** Settles once the log has been read (or could not be): asked before that, the answer waits for it. */
  private loaded: Promise<unknown> = Promise.resolve();

  /** Pairs known, for the agent's figures. */
  get size(): number {
    return this.last.size;
  }

  async isFirstUse(profile: string, exe: string, now: number): Promise<boolean> {
    await this.loaded;
    const at = this.last.get(keyOf(profile, exe));
    return at === undefined || now - at > FIRST_USE_MS;
  }

  /** Reads the log in the background ({@link load}); `isFirstUse` waits for it. A failure is the caller's to report. */
  loadInBackground(read: () => Promise<unknown>): Promise<unknown> {
    this.loaded = read().catch(() => undefined);
    return this.loaded;
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
    for await (const line of auditLinesFromEnd(fs, dir)) {
      read += 1;
      // Each line is only glanced at; the few that would decide something are checked in full.
      const o = glance(line);
      const at = typeof o?.time === 'string' ? Date.parse(o.time) : NaN;
      // A written-in line with an old time must not end the read early (every program would look new).
      if (at < since && genuine(line, key)) break;
      const pair = o && servedPair(o);
      if (pair === undefined || !(at > (this.last.get(pair) ?? -Infinity)) || at < since) continue;
      if (genuine(line, key)) this.last.set(pair, at);
    }
    return read;
  }
}
