/**
 * Follows the audit log's files as another process (the agent) appends to them: `tray-cred
 * audit --follow`. It only reads, so it needs no key and takes no lock. Each poll costs a
 * directory listing and a size; bytes are read only when the newest file grew. A new file is a
 * rotation (the chain goes on in it); a file that shrank or went away, or a sequence number
 * that goes back, means the log was replaced: that is said, and following goes on from the new end.
 * It is the follow side of the one audit line reader (core/audit/audit-lines.ts), whose reads of
 * a range leave a line still being written for the next poll.
 */
import { join } from 'node:path';
import { isAuditFile, parseLine, type AuditEntry } from '../../core/audit/audit-codec.ts';
import { blockLines, linesForward } from '../../core/audit/audit-lines.ts';
import { entriesFromEnd } from '../../core/audit/audit-reader.ts';
import type { FileSystem } from '../../core/ports/ports.ts';

/** Where reading stands: the file, the bytes of it already read, and the last entry given out. */
export interface FollowPosition {
  file: string | undefined;
  offset: number;
  seq: number;
}

export interface FollowerDeps {
  fs: FileSystem;
  dir: string;
  /** Each new entry, in chain order. */
  onEntry: (entry: AuditEntry) => void;
  /** Said once per replacement of the log, on stderr. */
  onReplaced: (message: string) => void;
}

/**
 * The end of the log as it is now, and the last entry before it: following from here gives
 * only what is appended later. The number is read from the newest file, or from the one
 * before when a rotation left the newest empty.
 */
export async function endOfLog(fs: FileSystem, dir: string): Promise<FollowPosition> {
  const file = (await fs.list(dir)).filter(isAuditFile).at(-1);
  if (file === undefined) return { file, offset: 0, seq: 0 };
  const offset = (await fs.size(join(dir, file))) ?? 0;
  for await (const { entry } of entriesFromEnd(fs, dir, { file, offset })) return { file, offset, seq: entry.seq };
  return { file, offset, seq: 0 };
}

export class AuditFollower {
  private pos: FollowPosition;
  private readonly deps: FollowerDeps;

  constructor(deps: FollowerDeps, from: FollowPosition) {
    this.deps = deps;
    this.pos = { ...from };
  }

  /** Reads whatever was appended since the last call, across rotations; one call is one poll. */
  async poll(): Promise<void> {
    const { fs, dir } = this.deps;
    const files = (await fs.list(dir)).filter(isAuditFile);
    let at = this.pos.file === undefined ? 0 : files.indexOf(this.pos.file);
    const size = this.pos.file === undefined ? 0 : await fs.size(join(dir, this.pos.file));
    if (this.pos.file !== undefined && (at < 0 || size === null || size < this.pos.offset))
      return this.replaced(`${this.pos.file} ${at < 0 || size === null ? 'is gone' : 'shrank'}`);
    for (; at < files.length; at += 1) {
      const file = files[at]!;
      if (file !== this.pos.file) this.pos = { file, offset: 0, seq: this.pos.seq };
      if (!(await this.readFrom(file))) return;
    }
  }

  /** Gives out the whole lines after the offset; `false` when the log turned out to be replaced. */
  private async readFrom(file: string): Promise<boolean> {
    const { fs, dir } = this.deps;
    const path = join(dir, file);
    // A line still being written waits for its newline.
    for await (const block of linesForward(fs, path, this.pos.offset, (await fs.size(path)) ?? 0)) {
      for (const line of blockLines(block)) {
        const parsed = line ? parseLine(line) : undefined;
        if (!parsed?.ok) continue;
        if (parsed.entry.seq <= this.pos.seq) {
          // The files hold an entry at or before one already given out: a different chain now.
          await this.replaced(`entry ${parsed.entry.seq} follows entry ${this.pos.seq}`);
          return false;
        }
        this.pos.seq = parsed.entry.seq;
        this.deps.onEntry(parsed.entry);
      }
      this.pos.offset = block.end;
    }
    return true;
  }

  private async replaced(why: string): Promise<void> {
    const { fs, dir } = this.deps;
    const end = await endOfLog(fs, dir);
    this.pos = end;
    this.deps.onReplaced(
      `the audit log in ${dir} was replaced (${why}); its chain restarted: following from its new end (entry ${end.seq}). Run \`tray-cred audit verify\` to see what happened`,
    );
  }
}
