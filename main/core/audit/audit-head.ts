/**
 * The chain head: the last entry's number and MAC, MACed under the audit key and kept beside
 * the log. Entries cut off the end leave a chain that is intact up to where it stops; only a
 * head that names a later entry shows the cut.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { sameHex, type MacKey } from './audit-codec.ts';
import type { FileSystem } from '../ports/ports.ts';

export const HEAD = 'head.json';
const HEAD_MAX_BYTES = 64 * 1024;

export type Head = { ok: true; seq: number; mac: string } | { ok: false; reason: 'missing' | 'edited' };

function headMac(key: MacKey, seq: number, entryMac: string): string {
  return createHmac('sha256', key).update(`head|${seq}|${entryMac}`).digest('hex');
}

function parseHead(text: string): { seq: number; mac: string; headMac: string } | undefined {
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof h !== 'object' || h === null || !('seq' in h && 'mac' in h && 'headMac' in h)) return undefined;
  return typeof h.seq === 'number' && typeof h.mac === 'string' && typeof h.headMac === 'string'
    ? { seq: h.seq, mac: h.mac, headMac: h.headMac }
    : undefined;
}

export async function readHead(fs: FileSystem, dir: string, key: MacKey): Promise<Head> {
  // A head is one short line: a big file there was not written by tray-cred, and is not read.
  const size = await fs.size(join(dir, HEAD));
  if (size !== null && size > HEAD_MAX_BYTES) return { ok: false, reason: 'edited' };
  const raw = await fs.readFile(join(dir, HEAD));
  if (!raw) return { ok: false, reason: 'missing' };
  const h = parseHead(raw.toString('utf8'));
  return h && sameHex(headMac(key, h.seq, h.mac), h.headMac)
    ? { ok: true, seq: h.seq, mac: h.mac }
    : { ok: false, reason: 'edited' };
}

/**
 * The head is written after the entries it names are on disk, so on disk it is never ahead of
 * the log. It only has to be as durable as the log: a power cut that brings back an older head
 * (its rename not yet on disk) leaves a head behind the log, which the next write moves on and
 * verify accepts; only a head ahead of the log means a cut. So the directory is not synced for
 * it (one fsync less per batch), while its contents still are (a torn head would read as edited).
 */
export async function writeHead(
  fs: FileSystem,
  dir: string,
  key: MacKey,
  seq: number,
  entryMac: string,
): Promise<void> {
  await writeHeadText(fs, dir, headText(key, seq, entryMac));
}

/** The head's file contents for entry `seq`: sealed now, while the key is at hand, and written later by {@link writeHeadText}. */
export function headText(key: MacKey, seq: number, entryMac: string): string {
  return `${JSON.stringify({ seq, mac: entryMac, headMac: headMac(key, seq, entryMac) })}\n`;
}

async function writeHeadText(fs: FileSystem, dir: string, text: string): Promise<void> {
  await fs.writeFileAtomic(join(dir, HEAD), text, { replaceOnly: true });
}

/** Under load the chain head is written this long after the last one (and whenever the queue empties). */
export const HEAD_EVERY_MS = 1_000;

/**
 * Writes the chain head off the request's path (AuditLog answers first). Writes run one after
 * another and each takes the newest head pending, so the head on disk is never ahead of the
 * durable log and readers and verify accept one behind it; one not due yet waits for a later write,
 * and one that fails stays pending for the next.
 */
export class HeadWriter {
  /** When the last write was started (the clock's milliseconds). */
  private startedAt = Number.NEGATIVE_INFINITY;
  private pending: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly fs: FileSystem;
  private readonly dir: string;
  private readonly now: () => number;

  constructor(fs: FileSystem, dir: string, now: () => number) {
    this.fs = fs;
    this.dir = dir;
    this.now = now;
  }

  /**
   * Takes `text` (from {@link headText}) as the newest head; writes it now when `urgent` (the
   * queue is empty, or something waits for it) or {@link HEAD_EVERY_MS} after the last write.
   */
  write(text: string, urgent: boolean): Promise<void> {
    this.pending = text;
    if (!urgent && this.now() - this.startedAt < HEAD_EVERY_MS) return Promise.resolve();
    this.startedAt = this.now();
    const run = this.chain.then(async () => {
      const next = this.pending;
      if (next === undefined) return; // the write before took it
      this.pending = undefined;
      try {
        await writeHeadText(this.fs, this.dir, next);
      } catch (error) {
        this.pending ??= next;
        throw error;
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the newest head taken is on disk (written now if it was waiting). */
  async flushed(): Promise<void> {
    await this.chain;
    if (this.pending !== undefined) await this.write(this.pending, true);
  }
}
