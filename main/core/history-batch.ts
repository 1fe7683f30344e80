/**
 * A run of audit lines read into the history index's columns (history-columns.ts), with strings
 * interned per batch: a plain object of typed arrays and string lists, so a worker thread can
 * build it and post it (the arrays transferred, not copied) and the index appends it whole.
 * Reading a range of a file into a batch is the same code on every thread.
 */
import { claimDiffers, programText } from '../../common/caller-text.ts';
import { parseRecord, type AuditRecord } from './audit-codec.ts';
import { verifiedExe } from './audit-extras.ts';
import type { FileSystem } from './ports.ts';

export const NUMBERS = ['seq', 'time', 'pid', 'ppid', 'durationMs', 'verified'] as const;
/** Few distinct values (the filters compare some; folders, reasons and key ids repeat): interned, one id per row. */
export const CODES = ['event', 'profile', 'decision', 'served', 'program', 'cwd', 'reason', 'credentialId'] as const;
export type NumberColumn = (typeof NUMBERS)[number];
export type CodeColumn = (typeof CODES)[number];

/** Lines of one file read from `offset`: `end` is the offset after the last whole line. */
export interface HistoryBatch {
  end: number;
  count: number;
  numbers: Record<NumberColumn, Float64Array>;
  /** Ids into `values`; 0 stands for null. */
  codes: Record<CodeColumn, Uint32Array>;
  values: string[];
  /** Per row: the program's command line (verified where the kernel named it), and a claim about another process. */
  command: (string | null)[];
  claimed: (string | null)[];
}

/** One job for a batch reader: the bytes `offset` .. `size` of the audit file at `path`. */
export interface BatchJob {
  path: string;
  offset: number;
  size: number;
}

/** The first read; a line longer than this (tray-cred writes none) doubles it until it fits. */
const CHUNK = 4 * 1024 * 1024;

/** Collects rows into a batch, growing its arrays by doubling. */
class BatchBuilder {
  private count = 0;
  private numbers = {} as Record<NumberColumn, Float64Array>;
  private codes = {} as Record<CodeColumn, Uint32Array>;
  private readonly values: string[] = [''];
  private readonly ids = new Map<string, number>();
  private readonly command: (string | null)[] = [];
  private readonly claimed: (string | null)[] = [];

  /** `rows`: how many rows to make room for at first (the arrays double when they fill). */
  constructor(rows: number) {
    for (const c of NUMBERS) this.numbers[c] = new Float64Array(rows);
    for (const c of CODES) this.codes[c] = new Uint32Array(rows);
  }

  private intern(value: string | undefined): number {
    if (value === undefined) return 0;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  add(e: AuditRecord, at: number): void {
    const i = this.count;
    if (i === this.numbers.seq.length) {
      for (const c of NUMBERS) this.numbers[c] = grow(this.numbers[c]);
      for (const c of CODES) this.codes[c] = grow(this.codes[c]);
    }
    const { numbers, codes } = this;
    numbers.seq[i] = e.seq;
    numbers.time[i] = at;
    // The verified requester where the kernel named one; the claim otherwise.
    const v = e.verified;
    numbers.pid[i] = v ? v.requester.pid : (e.caller?.pid ?? NaN);
    numbers.ppid[i] = v ? (v.ancestry[0]?.pid ?? NaN) : (e.caller?.ppid ?? NaN);
    numbers.verified[i] = v ? 1 : 0;
    numbers.durationMs[i] = e.durationMs ?? NaN;
    codes.event[i] = this.intern(e.event);
    codes.profile[i] = this.intern(e.profile);
    codes.decision[i] = this.intern(e.decision);
    codes.served[i] = this.intern(e.served);
    codes.program[i] = this.intern(e.event === 'access' ? verifiedExe(e) : undefined);
    codes.cwd[i] = this.intern(v ? v.requester.cwd : e.caller?.cwd);
    codes.reason[i] = this.intern(e.reason);
    // A key id repeats for every access served from the vault or one cached session.
    codes.credentialId[i] = this.intern(e.credentialId);
    this.command.push(v ? programText(v.requester) : (e.caller?.command ?? null));
    this.claimed.push(v && e.caller && claimDiffers(e.caller, v) ? e.caller.command : null);
    this.count = i + 1;
  }

  /** The batch, its arrays cut to the rows read (views: a transfer moves at most as much spare capacity as rows). */
  finish(end: number): HistoryBatch {
    const n = this.count;
    const numbers = {} as Record<NumberColumn, Float64Array>;
    const codes = {} as Record<CodeColumn, Uint32Array>;
    for (const c of NUMBERS) numbers[c] = this.numbers[c].subarray(0, n);
    for (const c of CODES) codes[c] = this.codes[c].subarray(0, n);
    return { end, count: n, numbers, codes, values: this.values, command: this.command, claimed: this.claimed };
  }
}

function grow<T extends Float64Array | Uint32Array>(array: T): T {
  const next = new (array.constructor as new (n: number) => T)(array.length * 2);
  next.set(array);
  return next;
}

/** The ArrayBuffers of a batch, for a worker's postMessage transfer list. */
export function batchBuffers(batch: HistoryBatch): ArrayBuffer[] {
  return [...Object.values(batch.numbers), ...Object.values(batch.codes)].map((a) => a.buffer as ArrayBuffer);
}

/**
 * Reads whole lines of `job` into a batch, in chunks, so a big file never sits in memory twice.
 * A torn last line is left (`end` stops before it) for a later read. A line that is not a
 * record is skipped: `audit verify` names it.
 */
export async function readBatch(fs: FileSystem, job: BatchJob): Promise<HistoryBatch> {
  // Lines are 300 to 600 bytes as tray-cred writes them: room for about as many rows as there are, grown if shorter.
  const builder = new BatchBuilder(Math.ceil((job.size - job.offset) / 400) + 16);
  let at = job.offset;
  let want = CHUNK;
  while (at < job.size) {
    const chunk = await fs.readRange(job.path, at, Math.min(want, job.size - at));
    const end = chunk.lastIndexOf(0x0a);
    if (end < 0) {
      if (at + chunk.length >= job.size) break; // a torn last line: the rest comes with a later write
      want *= 2; // one line longer than a chunk
      continue;
    }
    for (const line of chunk.toString('utf8', 0, end).split('\n')) {
      if (!line) continue;
      const parsed = parseRecord(line);
      if (parsed.ok) builder.add(parsed.record, parsed.at);
    }
    at += end + 1;
    want = CHUNK;
  }
  return builder.finish(at);
}

/** Reads audit files into batches, in order; an implementation may read several at once on other threads. */
export interface BatchReader {
  /** One batch per job, in the order of `jobs`. */
  read(jobs: readonly BatchJob[]): Promise<HistoryBatch>[];
}

/** Reads each job on this thread, one after the other. */
export function threadReader(fs: FileSystem): BatchReader {
  return {
    read(jobs) {
      let last: Promise<unknown> = Promise.resolve();
      return jobs.map((job) => {
        const batch = last.then(() => readBatch(fs, job));
        last = batch.catch(() => undefined);
        return batch;
      });
    },
  };
}
