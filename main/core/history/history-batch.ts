/**
 * Audit lines read into a HistoryBatch (ports.ts) for the history index's columns
 * (history-columns.ts): a plain object of typed arrays and one list of strings, so a worker thread can
 * build it and post it (the arrays transferred, not copied) and the index appends it whole.
 * Reading a range of a file into a batch is the same code on every thread.
 */
import { claimDiffers, programText } from '../../../common/caller-text.ts';
import { parseRecord, type AuditRecord } from '../audit/audit-codec.ts';
import { verifiedExe } from '../audit/audit-extras.ts';
import { blockLines, linesForward } from '../audit/audit-lines.ts';
import type {
  BatchJob,
  BatchReader,
  FileSystem,
  HistoryBatch,
  HistoryCodeColumn,
  HistoryNumberColumn,
} from '../ports/ports.ts';

export const NUMBERS = [
  'seq',
  'time',
  'pid',
  'ppid',
  'durationMs',
  'verified',
] as const satisfies readonly HistoryNumberColumn[];
/**
 * Interned, one id per row: the filters compare some; folders, reasons and key ids repeat, and
 * so do command lines (the same `terraform plan` or `aws s3 ls` over and over), which then cost
 * one string each and are searched once each; where they do not repeat, an id costs no more
 * than the pointer a list of strings would hold.
 */
export const CODES = [
  'event',
  'profile',
  'decision',
  'served',
  'program',
  'cwd',
  'reason',
  'credentialId',
  'command',
  'claimed',
] as const satisfies readonly HistoryCodeColumn[];
export type NumberColumn = HistoryNumberColumn;
export type CodeColumn = HistoryCodeColumn;
export type { BatchJob, BatchReader, HistoryBatch };

/** The verified requester where the kernel named one, the claim otherwise; and a claim about another process beside it. */
function callerOf(e: AuditRecord): {
  pid: number;
  ppid: number;
  cwd: string | undefined;
  command: string | undefined;
  claimed: string | undefined;
} {
  const v = e.verified;
  const c = e.caller;
  if (!v) return { pid: c?.pid ?? NaN, ppid: c?.ppid ?? NaN, cwd: c?.cwd, command: c?.command, claimed: undefined };
  return {
    pid: v.requester.pid,
    ppid: v.ancestry[0]?.pid ?? NaN,
    cwd: v.requester.cwd,
    command: programText(v.requester),
    claimed: c && claimDiffers(c, v) ? c.command : undefined,
  };
}

/** Collects rows into a batch, growing its arrays by doubling. */
class BatchBuilder {
  private count = 0;
  private numbers = {} as Record<NumberColumn, Float64Array>;
  private codes = {} as Record<CodeColumn, Uint32Array>;
  private readonly values: string[] = [''];
  private readonly ids = new Map<string, number>();

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
    const who = callerOf(e);
    numbers.pid[i] = who.pid;
    numbers.ppid[i] = who.ppid;
    numbers.verified[i] = e.verified ? 1 : 0;
    numbers.durationMs[i] = e.durationMs ?? NaN;
    codes.event[i] = this.intern(e.event);
    codes.profile[i] = this.intern(e.profile);
    codes.decision[i] = this.intern(e.decision);
    codes.served[i] = this.intern(e.served);
    codes.program[i] = this.intern(e.event === 'access' ? verifiedExe(e) : undefined);
    codes.cwd[i] = this.intern(who.cwd);
    codes.reason[i] = this.intern(e.reason);
    // A key id repeats for every access served from the vault or one cached session.
    codes.credentialId[i] = this.intern(e.credentialId);
    codes.command[i] = this.intern(who.command);
    codes.claimed[i] = this.intern(who.claimed);
    this.count = i + 1;
  }

  /** The batch, its arrays cut to the rows read (views: a transfer moves at most as much spare capacity as rows). */
  finish(end: number): HistoryBatch {
    const n = this.count;
    const numbers = {} as Record<NumberColumn, Float64Array>;
    const codes = {} as Record<CodeColumn, Uint32Array>;
    for (const c of NUMBERS) numbers[c] = this.numbers[c].subarray(0, n);
    for (const c of CODES) codes[c] = this.codes[c].subarray(0, n);
    return { end, count: n, numbers, codes, values: this.values };
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
 * Reads whole lines of `job` into a batch, in chunks (audit-lines.ts), so a big file never sits in
 * memory twice. A torn last line is left (`end` stops before it) for a later read. A line that is
 * not a record is skipped: `audit verify` names it.
 */
export async function readBatch(fs: FileSystem, job: BatchJob): Promise<HistoryBatch> {
  // Lines are 300 to 600 bytes as tray-cred writes them: room for about as many rows as there are, grown if shorter.
  const builder = new BatchBuilder(Math.ceil((job.size - job.offset) / 400) + 16);
  let end = job.offset;
  for await (const block of linesForward(fs, job.path, job.offset, job.size)) {
    for (const line of blockLines(block)) {
      if (!line) continue;
      const parsed = parseRecord(line);
      if (parsed.ok) builder.add(parsed.record, parsed.at);
    }
    end = block.end;
  }
  return builder.finish(end);
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
