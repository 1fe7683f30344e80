import { join } from 'node:path';
import type {
  HistoryFilter,
  HistoryPage,
  HistoryRow,
  ProfileActivity,
  TimelineBuckets,
} from '../../../common/history.ts';
import { isAuditFile } from '../audit/audit-codec.ts';
import { threadReader, type BatchJob, type BatchReader } from './history-batch.ts';
import { UsageError } from '../errors.ts';
import { HistoryColumns, NULL, SEARCHED_CODES, grown } from './history-columns.ts';
import { profileActivity, timelineOf } from './history-insight.ts';
import { readSnapshot, writeSnapshot, type SnapshotPlace } from './history-snapshot.ts';
import type { FileSystem } from '../ports/ports.ts';

interface Scan {
  key: string;
  generation: number;
  /** Rows looked at so far; rows appended later are scanned on the next query with this filter. */
  scanned: number;
  /** Matching row indices, oldest first. */
  matches: Uint32Array;
  count: number;
}

interface Compiled {
  access: boolean;
  /** A string id, NULL when the filter does not narrow by it, -1 when nothing can match. */
  profile: number;
  decision: number;
  needle: string | undefined;
  from: number;
  to: number;
}

const SNAPSHOT_ROWS = 100_000; // rows the index grows by, after a snapshot was read or written, before it writes another

function timeBound(value: string | undefined, which: 'from' | 'to'): number {
  if (value === undefined || value === '') return which === 'from' ? -Infinity : Infinity;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`the history filter's "${which}" time "${value}" is not an ISO 8601 time`);
  return t;
}

/**
 * The audit log indexed in memory for the history window and the tray menu. Built from the
 * JSONL files, then kept current by {@link HistoryIndex.refresh}, which reads only the bytes
 * appended since the last call. It does not check MACs (that is `verifyAuditLog`): it shows
 * what the files say. Rows live in {@link HistoryColumns}; a filter's matches are kept, so
 * scrolling costs O(page) and a refresh scans only new rows.
 */
export class HistoryIndex {
  private readonly fs: FileSystem;
  private readonly reader: BatchReader;
  private readonly dir: string;
  private offsets = new Map<string, number>();
  private generation = 0;
  private columns = new HistoryColumns();
  private scan: Scan | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private readonly snapshot: SnapshotPlace | undefined;
  private snapshotRows: number | undefined; // when a snapshot was last read or written; undefined before the first refresh

  /**
   * `reader` reads the files (default: on this thread; main/node/audit/history-workers.ts uses worker threads). `snapshot`: where
   * a sealed snapshot of the index is kept (history-snapshot.ts), read at the first refresh, written when the index has
   * grown by SNAPSHOT_ROWS since, and by {@link HistoryIndex.saveSnapshot}.
   */
  constructor(deps: { fs: FileSystem; reader?: BatchReader; snapshot?: SnapshotPlace }, dir: string) {
    this.fs = deps.fs;
    this.reader = deps.reader ?? threadReader(deps.fs);
    this.dir = dir;
    this.snapshot = deps.snapshot;
  }

  /** Rows indexed so far. */
  get size(): number {
    return this.columns.count;
  }

  private reset(): void {
    [this.offsets, this.columns, this.scan] = [new Map(), new HistoryColumns(), undefined];
    this.generation += 1;
    this.snapshotRows &&= 0; // the snapshot no longer matches the files: write a new one once the index has grown again
  }

  /**
   * Reads what was appended since the last refresh. Calls are queued, so two windows refreshing
   * at once never read the same bytes twice. A torn last line is left for the next refresh; a
   * file that shrank or vanished (a restored or replaced log) makes the index start over.
   */
  refresh(): Promise<void> {
    const run = this.refreshing.then(() => this.readNew());
    // A snapshot is written after the refresh that grew the index by much, before the next refresh reads.
    this.refreshing = run
      .then(() => (this.size - (this.snapshotRows ?? 0) >= SNAPSHOT_ROWS ? this.writeSnapshot() : undefined))
      .catch(() => undefined);
    return run;
  }

  /** Writes the sealed snapshot of what is indexed (at quit), when the index has a place for one. */
  saveSnapshot(): Promise<void> {
    return (this.refreshing = this.refreshing.then(() => this.writeSnapshot()).catch(() => undefined));
  }

  private async writeSnapshot(): Promise<void> {
    if (!this.snapshot || this.snapshotRows === undefined || this.snapshotRows === this.size) return; // never loaded, or no news
    if (await writeSnapshot(this.fs, this.snapshot, this.dir, { offsets: this.offsets, columns: this.columns }))
      this.snapshotRows = this.size;
  }

  /** The index from the sealed snapshot, when there is one that holds (history-snapshot.ts); else it starts empty. */
  private async readSnapshot(): Promise<void> {
    const restored = this.snapshot && (await readSnapshot(this.fs, this.snapshot, this.dir).catch(() => undefined));
    if (restored)
      [this.offsets, this.columns, this.generation] = [restored.offsets, restored.columns, this.generation + 1];
    this.snapshotRows = this.size;
  }

  private async readNew(): Promise<void> {
    if (this.snapshotRows === undefined) await this.readSnapshot();
    const names = (await this.fs.list(this.dir)).filter(isAuditFile);
    const known = [...this.offsets.keys()];
    const last = known.at(-1);
    if (
      known.some((n) => !names.includes(n)) ||
      names.some((n) => !this.offsets.has(n) && last !== undefined && n < last)
    )
      this.reset();
    const jobs: (BatchJob & { name: string })[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      const offset = this.offsets.get(name) ?? 0;
      const size = (await this.fs.size(path)) ?? 0;
      if (size < offset) {
        this.reset();
        return this.readNew();
      }
      this.offsets.set(name, offset);
      if (size > offset) jobs.push({ name, path, offset, size });
    }
    // Batches come in file order; each is appended as soon as it and those before it are read.
    const batches = this.reader.read(jobs);
    // When one fails the refresh fails with it; those after it are not awaited, so their failures are caught here.
    for (const batch of batches) batch.catch(() => undefined);
    const bytes = jobs.reduce((sum, job) => sum + job.size - job.offset, 0);
    for (const [k, job] of jobs.entries()) {
      const batch = await batches[k]!;
      // Room, once per refresh, for the rows to come at the first batch's bytes per row and 5% more: columns grow by that
      // much at a time however small the refreshes, and are not copied at each doubling while a long log loads.
      if (k === 0 && batch.count > 0)
        this.columns.reserve(Math.ceil((this.columns.count + (bytes * batch.count) / (batch.end - job.offset)) * 1.05));
      this.columns.append(batch);
      this.offsets.set(job.name, batch.end);
    }
  }

  private compile(filter: HistoryFilter): Compiled {
    const lookup = (value: string | undefined): number => this.columns.idOf(value);
    const needle = filter.text?.trim().toLowerCase();
    return {
      access: (filter.events ?? 'access') === 'access',
      profile: lookup(filter.profile),
      decision: lookup(filter.decision),
      needle: needle || undefined,
      from: timeBound(filter.from, 'from'),
      to: timeBound(filter.to, 'to'),
    };
  }

  /** Scans rows `start` .. `count`, appending matches to the scan. */
  private extend(scan: Scan, f: Compiled): void {
    const start = scan.scanned;
    const { count, codes, numbers } = this.columns;
    scan.scanned = count;
    if (f.profile === -1 || f.decision === -1) return;
    const access = f.access ? this.columns.idOf('access') : NULL;
    if (access === -1) return;
    const { event, profile, decision } = codes;
    const { time } = numbers;
    const needle = f.needle;
    // Which interned values hold the needle, looked at once each rather than once per row.
    const hit = needle === undefined ? undefined : this.columns.lowerValues.map((v) => v.includes(needle));
    const [c1, c2, c3, c4, c5, c6] = SEARCHED_CODES.map((c) => codes[c]);
    const text =
      hit &&
      ((i: number): boolean =>
        hit[c1![i]!]! || hit[c2![i]!]! || hit[c3![i]!]! || hit[c4![i]!]! || hit[c5![i]!]! || hit[c6![i]!]!);
    for (let i = start; i < count; i += 1) {
      if (access !== NULL && event[i] !== access) continue;
      if (f.profile !== NULL && profile[i] !== f.profile) continue;
      if (f.decision !== NULL && decision[i] !== f.decision) continue;
      const t = time[i]!;
      if (t < f.from || t >= f.to) continue;
      if (text && !text(i)) continue;
      scan.matches = grown(scan.matches, scan.count + 1);
      scan.matches[scan.count] = i;
      scan.count += 1;
    }
  }

  /**
   * Rows `offset` .. `offset + limit` of the filtered history, newest first. The last filter's
   * matches are kept, so scrolling through it costs O(limit) and a refresh only scans new rows.
   */
  query(filter: HistoryFilter, offset: number, limit: number): HistoryPage {
    if (!Number.isInteger(offset) || offset < 0 || !(Number.isInteger(limit) || limit === Infinity) || limit < 0) {
      throw new UsageError('a history page needs a whole offset and limit, 0 or more');
    }
    const scan = this.matching(filter);
    const rows: HistoryRow[] = [];
    const end = Math.min(scan.count, offset + limit);
    for (let k = offset; k < end; k += 1) rows.push(this.columns.row(scan.matches[scan.count - 1 - k]!));
    return { total: scan.count, offset, rows, profiles: this.columns.profiles() };
  }

  /** The filter's matches, from the kept scan when the filter is the last one asked for. */
  private matching(filter: HistoryFilter): Scan {
    const f = this.compile(filter);
    const key = JSON.stringify([filter.profile ?? '', filter.decision ?? '', f.needle ?? '', f.from, f.to, f.access]);
    let scan = this.scan;
    if (!scan || scan.key !== key || scan.generation !== this.generation) {
      scan = { key, generation: this.generation, scanned: 0, matches: new Uint32Array(256), count: 0 };
      this.scan = scan;
    }
    if (scan.scanned < this.columns.count) this.extend(scan, f);
    return scan;
  }

  /**
   * The filter's accesses counted per decision in at most `buckets` time buckets over the
   * filter's From..To (or the matches' own span): the timeline draws these, never the rows.
   */
  timeline(filter: HistoryFilter, buckets: number): TimelineBuckets {
    const scan = this.matching(filter);
    const f = this.compile(filter);
    return timelineOf(this.columns, scan.matches.subarray(0, scan.count), { from: f.from, to: f.to, buckets });
  }

  /** Per profile: last use, uses in 24 h and 7 d, and since `since` the decisions and verified programs. */
  activity(now: number, since: number): ProfileActivity[] {
    return profileActivity(this.columns, now, since);
  }

  /** Whether the verified program `exe` has not been served `profile` in the 90 days before `now` (see HistoryColumns). */
  firstUseBy(profile: string, exe: string, now: number): boolean {
    return this.columns.firstUseBy(profile, exe, now);
  }

  /** Whether the entry `seq` is marked as a program's first use of its profile; `undefined` when not indexed. */
  isFirstUse(seq: number): boolean | undefined {
    const i = this.columns.rowOf(seq);
    return i === undefined ? undefined : this.columns.firstUse[i] === 1;
  }

  /** The newest `n` credential requests, newest first (the tray menu's recent accesses). */
  recent(n: number): HistoryRow[] {
    const access = this.columns.idOf('access');
    const rows: HistoryRow[] = [];
    if (access === -1) return rows;
    for (let i = this.columns.count - 1; i >= 0 && rows.length < n; i -= 1) {
      if (this.columns.codes.event[i] === access) rows.push(this.columns.row(i));
    }
    return rows;
  }
}
