import { join } from 'node:path';
import { GENESIS, fileName, isAuditFile, sealEntry, type AuditEntry, type AuditInput } from './audit-codec.ts';
import { AuditKey } from './audit-key.ts';
import { ANCHOR_AT_ONCE, ChainAnchor, readAuditAnchor, type AnchorPlace, type AuditAnchor } from './audit-anchor.ts';
import { HeadWriter, headText, readHead, writeHead } from './audit-head.ts';
import { readAuditLog } from './audit-reader.ts';
import { readTail, type Tail } from './audit-tail.ts';
import { BugIndicatingError, EnvironmentError, KeychainError, TamperedError } from '../errors.ts';
import type { Clock, FileSystem } from '../ports/ports.ts';

interface Pending {
  input: AuditInput;
  resolve: (entry: AuditEntry) => void;
  reject: (error: unknown) => void;
}

/**
 * Append-only JSON Lines, each entry chained to the one before by an HMAC whose key only the
 * keychain holds: editing, deleting, reordering or cutting off entries is detected by
 * `verifyAuditLog`. Appends from many requests are written together with one fdatasync
 * (group commit), under a lock file shared with `tray-cred` commands.
 */
export class AuditLog {
  readonly dir: string;
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly key: AuditKey;
  private readonly maxFileBytes: number;
  private tail: Tail | undefined;
  private queue: Pending[] = [];
  private writing = false;
  private readonly appendListeners = new Set<(entries: readonly AuditEntry[]) => void>();
  private readonly anchor: ChainAnchor | undefined;
  private readonly anchorPlace: AnchorPlace | undefined;
  private anchoring: Promise<void> = Promise.resolve();
  private readonly head: HeadWriter;
  private answered = false;

  /**
   * `anchor` is where the keychain keeps the chain's anchor (audit-anchor.ts); every entry point passes it.
   * `key` is the audit key, or (the agent) how to read it from the keychain: see audit-key.ts.
   */
  constructor(
    deps: { fs: FileSystem; clock: Clock; anchor?: AnchorPlace },
    dir: string,
    key: Buffer | (() => Promise<Buffer>),
    options: { maxFileBytes?: number } = {},
  ) {
    this.fs = deps.fs;
    this.clock = deps.clock;
    this.anchorPlace = deps.anchor;
    this.anchor = deps.anchor ? new ChainAnchor(deps.anchor, () => deps.clock.now()) : undefined;
    this.dir = dir;
    this.key = new AuditKey(key);
    this.head = new HeadWriter(deps.fs, dir, () => deps.clock.now());
    this.maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
  }

  /** Keeps the audit key in memory between batches (on unlock). */
  holdKey(): void {
    this.key.hold();
  }

  /** Zeroes the audit key; each later batch reads it from the keychain and zeroes it after (on lock). */
  wipeKey(): void {
    this.key.wipe();
  }

  /** The keychain's anchor of this chain, for verify; `null` when there is none. */
  async readAnchor(): Promise<AuditAnchor | null> {
    return this.anchorPlace ? readAuditAnchor(this.anchorPlace) : null;
  }

  /**
   * Calls `listener` with each batch of entries once it is on disk (for live views: the tray
   * menu, the history window, notifications). Returns the function that stops it.
   */
  onAppended(listener: (entries: readonly AuditEntry[]) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Records one entry; resolves once it is on disk. */
  append(input: AuditInput): Promise<AuditEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          const { entries, written, head } = await this.key.use((key) =>
            this.writeBatch(
              key,
              batch.map((p) => p.input),
            ),
          );
          // The entries are on disk: head and anchor follow the answers, except for a lock, stop, rekey,
          // tamper or a process's first entry (a command's only one, before it exits).
          const wait =
            !this.answered || this.anchor?.untried === true || written.some((e) => ANCHOR_AT_ONCE.has(e.event));
          // Under load the head is written once the queue empties, or a second after the last one.
          const headed = this.head.write(head, wait || this.queue.length === 0);
          const anchored = this.anchorAfter(written);
          if (wait) await Promise.all([headed, anchored]);
          else headed.catch(() => undefined); // the next batch writes a newer head; verify accepts one behind the log
          this.answered = true;
          batch.forEach((p, i) => p.resolve(entries[i]!));
          this.notify(entries);
        } catch (error) {
          this.tail = undefined;
          for (const p of batch) p.reject(wrapWriteError(error, this.dir));
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** Resolves once every entry recorded so far has its chain head and anchor written. */
  async flushed(): Promise<void> {
    await Promise.all([
      this.head.flushed().catch((error: unknown) => Promise.reject(wrapWriteError(error, this.dir))),
      this.anchoring,
    ]);
  }

  private notify(entries: readonly AuditEntry[]): void {
    for (const listener of this.appendListeners) {
      try {
        listener(entries);
      } catch {
        // A view that fails to update must not turn a recorded access into a failed one.
      }
    }
  }

  /**
   * Moves the keychain anchor on after a batch (ChainAnchor decides whether it is due), one
   * write after another. A request waits only for its entry's data sync, not for this.
   */
  private anchorAfter(written: readonly AuditEntry[]): Promise<void> {
    const anchor = this.anchor;
    if (!anchor) return Promise.resolve();
    this.anchoring = this.anchoring
      .then(() => anchor.written(written, () => this.firstMac()))
      // A keychain that is away is ChainAnchor's to handle; an unreadable first file leaves the anchor behind until the next try.
      .catch(() => undefined);
    return this.anchoring;
  }

  private async writeBatch(
    key: Buffer,
    inputs: AuditInput[],
  ): Promise<{ entries: AuditEntry[]; written: AuditEntry[]; head: string }> {
    // Checked once, not per batch: this is on every access's path. A failed write checks again.
    if (!this.tail) await this.fs.ensurePrivateDir(this.dir);
    const release = await this.fs.lock(join(this.dir, 'audit.lock'));
    try {
      const repairs = await this.syncTail(key);
      const all = [...repairs, ...inputs];
      const entries: AuditEntry[] = [];
      if (!this.tail) throw new BugIndicatingError('the audit log wrote before it read where its chain ends');
      let { file, size, seq, mac: prev } = this.tail;
      let text = '';
      const flush = async (): Promise<void> => {
        if (text) await this.fs.appendDurable(join(this.dir, file), text);
        text = '';
      };
      for (const input of all) {
        seq += 1;
        const sealed = sealEntry(key, input, seq, new Date(this.clock.now()).toISOString(), prev);
        const line = `${sealed.line}\n`;
        const bytes = Buffer.byteLength(line);
        if (size > 0 && size + bytes > this.maxFileBytes) {
          await flush();
          file = fileName(seq);
          size = 0;
        }
        text += line;
        size += bytes;
        prev = sealed.entry.mac;
        entries.push(sealed.entry);
      }
      await flush();
      this.tail = { file, size, seq, mac: prev };
      return { entries: entries.slice(repairs.length), written: entries, head: headText(key, seq, prev) };
    } finally {
      await release();
    }
  }

  /**
   * Brings the cached chain end up to date with the files (another process may have appended),
   * repairs a torn last line left by a crash, and compares the files with the remembered chain
   * head: entries cut off the end, or a head that was edited or deleted, are recorded as
   * `tamper` entries before anything else, so the next write cannot quietly re-chain over them.
   */
  private async syncTail(key: Buffer): Promise<AuditInput[]> {
    const cached = this.tail;
    const { tail, repairs } = await readTail(this.fs, this.dir, cached);
    this.tail = tail;
    if (tail === cached) return repairs;
    const lost = await this.anchor?.lost(tail.seq);
    const found = await this.headProblems(key, tail, repairs);
    return lost ? [...found, { event: 'tamper', reason: lost }] : found;
  }

  private async firstMac(): Promise<string | undefined> {
    const first = (await this.fs.list(this.dir)).filter(isAuditFile).at(0);
    return first ? (await readAuditLog(this.fs, this.dir, [first])).at(0)?.mac : undefined;
  }

  private async headProblems(key: Buffer, tail: Tail, repairs: AuditInput[]): Promise<AuditInput[]> {
    const head = await readHead(this.fs, this.dir, key);
    if (!head.ok && head.reason === 'missing' && tail.seq === 0) {
      // A new log: its head exists before its first entry, so a missing head always means deletion.
      await writeHead(this.fs, this.dir, key, 0, GENESIS);
      return repairs;
    }
    if (!head.ok) {
      return [
        ...repairs,
        {
          event: 'tamper',
          reason: `the chain head (head.json) was ${head.reason === 'missing' ? 'deleted' : 'edited'}; the log ends at entry ${tail.seq}`,
        },
      ];
    }
    if (head.seq > tail.seq) {
      return [
        ...repairs,
        {
          event: 'tamper',
          reason: `the log ended at entry ${tail.seq} but entry ${head.seq} had been written: ${head.seq - tail.seq} entries were cut off`,
        },
      ];
    }
    return repairs;
  }
}

/** A damaged chain says so itself; anything else the file system refused is the user's to fix. */
function wrapWriteError(error: unknown, dir: string): unknown {
  return error instanceof TamperedError || error instanceof BugIndicatingError || error instanceof KeychainError
    ? error
    : new EnvironmentError(
        `the audit log in ${dir} cannot be written (${(error as Error).message}); nothing is served unrecorded: free disk space or fix the directory's permissions, then retry`,
      );
}
