// Longer than the 250 lines other core files keep to: the columns, the interned strings and the
// cached scan are one data structure, and splitting the class would hand its typed arrays to
// another module to grow and fill. What a line holds is the codec's (audit-codec.ts), not this file's.
import { join } from 'node:path';
import type { Decision } from '../../common/decision.ts';
import type { HistoryFilter, HistoryPage, HistoryRow } from '../../common/history.ts';
import { isAuditFile, parseRecord } from './audit-codec.ts';
import { UsageError } from './errors.ts';
import type { FileSystem } from './ports.ts';

const NUMBERS = ['seq', 'time', 'pid', 'ppid', 'durationMs'] as const;
/** Few distinct values, and the filters compare them: interned, one id per row. */
const CODES = ['event', 'profile', 'decision', 'served'] as const;
/** Mostly distinct per row (a command names its file or bucket): interning them costs more than it saves. */
const TEXTS = ['command', 'cwd', 'reason', 'credentialId'] as const;
/** Code 0 stands for null, so a column of codes needs no second array for "absent". */
const NULL = 0;
const CHUNK = 1024 * 1024;
/** Joins the searched fields, so a needle without it cannot match across two of them. */
const SEP = '\u0000';

type NumberColumn = (typeof NUMBERS)[number];
type CodeColumn = (typeof CODES)[number];
type TextColumn = (typeof TEXTS)[number];

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

function grown<T extends Float64Array | Uint32Array>(array: T, need: number): T {
  if (need <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(need, array.length * 2));
  next.set(array);
  return next;
}

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
 * what the files say. Rows live in columns (typed arrays for numbers and the filtered codes),
 * with the searched text lowercased once at load, so a new filter is one pass over them.
 */
export class HistoryIndex {
  private readonly fs: FileSystem;
  private readonly dir: string;
  private offsets = new Map<string, number>();
  private generation = 0;
  private count = 0;
  private numbers = {} as Record<NumberColumn, Float64Array>;
  private codes = {} as Record<CodeColumn, Uint32Array>;
  private texts = {} as Record<TextColumn, (string | null)[]>;
  /** Per row, the lowercased profile, command, cwd and reason: lowercased once, at load. */
  private search: string[] = [];
  private values: string[] = [];
  private ids = new Map<string, number>();
  private profileNames = new Set<string>();
  private sortedProfiles: string[] | undefined;
  private scan: Scan | undefined;
  private refreshing: Promise<void> = Promise.resolve();

  constructor(deps: { fs: FileSystem }, dir: string) {
    this.fs = deps.fs;
    this.dir = dir;
    this.reset();
  }

  /** Rows indexed so far. */
  get size(): number {
    return this.count;
  }

  private reset(): void {
    this.offsets = new Map();
    this.generation += 1;
    this.count = 0;
    for (const c of NUMBERS) this.numbers[c] = new Float64Array(1024);
    for (const c of CODES) this.codes[c] = new Uint32Array(1024);
    for (const c of TEXTS) this.texts[c] = [];
    this.search = [];
    this.values = [''];
    this.ids = new Map();
    this.profileNames = new Set();
    this.sortedProfiles = undefined;
    this.scan = undefined;
  }

  /**
   * Reads what was appended since the last refresh. Calls are queued, so two windows refreshing
   * at once never read the same bytes twice. A torn last line is left for the next refresh; a
   * file that shrank or vanished (a restored or replaced log) makes the index start over.
   */
  refresh(): Promise<void> {
    const run = this.refreshing.then(() => this.readNew());
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  private async readNew(): Promise<void> {
    const names = (await this.fs.list(this.dir)).filter(isAuditFile);
    const known = [...this.offsets.keys()];
    const last = known.at(-1);
    if (known.some((n) => !names.includes(n)) || names.some((n) => !this.offsets.has(n) && last !== undefined && n < last)) this.reset();
    for (const name of names) {
      const path = join(this.dir, name);
      const offset = this.offsets.get(name) ?? 0;
      const size = (await this.fs.size(path)) ?? 0;
      if (size < offset) {
        this.reset();
        return this.readNew();
      }
      this.offsets.set(name, offset);
      await this.readFile(name, path, offset, size);
    }
  }

  /** Reads whole lines from `offset` to `size` in chunks, so a big file never sits in memory twice. */
  private async readFile(name: string, path: string, offset: number, size: number): Promise<void> {
    let at = offset;
    let want = CHUNK;
    while (at < size) {
      const chunk = await this.fs.readRange(path, at, Math.min(want, size - at));
      const end = chunk.lastIndexOf(0x0a);
      if (end < 0) {
        if (at + chunk.length >= size) return; // a torn last line: the rest comes with a later write
        want *= 2; // one line longer than a chunk
        continue;
      }
      for (const line of chunk.subarray(0, end).toString('utf8').split('\n')) this.add(line);
      at += end + 1;
      want = CHUNK;
      this.offsets.set(name, at);
    }
  }

  private intern(value: string | undefined): number {
    if (value === undefined) return NULL;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  private add(line: string): void {
    if (!line) return;
    const parsed = parseRecord(line);
    if (!parsed.ok) return; // a damaged line, or JSON that is not an entry: `audit verify` names it
    const e = parsed.record;
    const caller = e.caller;
    const i = this.count;
    const need = i + 1;
    if (need > this.numbers.seq.length) {
      for (const c of NUMBERS) this.numbers[c] = grown(this.numbers[c], need);
      for (const c of CODES) this.codes[c] = grown(this.codes[c], need);
    }
    this.numbers.seq[i] = e.seq;
    this.numbers.time[i] = parsed.at;
    this.numbers.pid[i] = caller?.pid ?? NaN;
    this.numbers.ppid[i] = caller?.ppid ?? NaN;
    this.numbers.durationMs[i] = e.durationMs ?? NaN;
    this.codes.event[i] = this.intern(e.event);
    this.codes.profile[i] = this.intern(e.profile);
    this.codes.decision[i] = this.intern(e.decision);
    this.codes.served[i] = this.intern(e.served);
    this.texts.command.push(caller?.command ?? null);
    this.texts.cwd.push(caller?.cwd ?? null);
    this.texts.reason.push(e.reason ?? null);
    this.texts.credentialId.push(e.credentialId ?? null);
    this.search.push(`${e.profile ?? ''}${SEP}${caller?.command ?? ''}${SEP}${caller?.cwd ?? ''}${SEP}${e.reason ?? ''}`.toLowerCase());
    if (e.profile !== undefined && !this.profileNames.has(e.profile)) {
      this.profileNames.add(e.profile);
      this.sortedProfiles = undefined;
    }
    this.count = need;
  }

  private code(c: CodeColumn, i: number): string | null {
    const id = this.codes[c][i]!;
    return id === NULL ? null : this.values[id]!;
  }

  private number(c: NumberColumn, i: number): number | null {
    const v = this.numbers[c][i]!;
    return Number.isNaN(v) ? null : v;
  }

  /** Built field by field, so nothing but the HistoryRow shape ever leaves the index. */
  private row(i: number): HistoryRow {
    return {
      seq: this.numbers.seq[i]!,
      time: new Date(this.numbers.time[i]!).toISOString(),
      event: this.code('event', i)!,
      profile: this.code('profile', i),
      decision: this.code('decision', i) as Decision | null,
      command: this.texts.command[i]!,
      cwd: this.texts.cwd[i]!,
      pid: this.number('pid', i),
      ppid: this.number('ppid', i),
      durationMs: this.number('durationMs', i),
      reason: this.texts.reason[i]!,
      served: this.code('served', i) as HistoryRow['served'],
      credentialId: this.texts.credentialId[i]!,
    };
  }

  private compile(filter: HistoryFilter): Compiled {
    const lookup = (value: string | undefined): number => (value === undefined || value === '' ? NULL : (this.ids.get(value) ?? -1));
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
    scan.scanned = this.count;
    if (f.profile === -1 || f.decision === -1) return;
    const access = f.access ? this.ids.get('access') : NULL;
    if (access === undefined) return;
    const { event, profile, decision } = this.codes;
    const { time } = this.numbers;
    const { search } = this;
    const needle = f.needle;
    for (let i = start; i < this.count; i += 1) {
      if (access !== NULL && event[i] !== access) continue;
      if (f.profile !== NULL && profile[i] !== f.profile) continue;
      if (f.decision !== NULL && decision[i] !== f.decision) continue;
      const t = time[i]!;
      if (t < f.from || t >= f.to) continue;
      if (needle !== undefined && !search[i]!.includes(needle)) continue;
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
    const f = this.compile(filter);
    const key = JSON.stringify([filter.profile ?? '', filter.decision ?? '', f.needle ?? '', f.from, f.to, f.access]);
    let scan = this.scan;
    if (!scan || scan.key !== key || scan.generation !== this.generation) {
      scan = { key, generation: this.generation, scanned: 0, matches: new Uint32Array(256), count: 0 };
      this.scan = scan;
    }
    if (scan.scanned < this.count) this.extend(scan, f);
    const rows: HistoryRow[] = [];
    const end = Math.min(scan.count, offset + limit);
    for (let k = offset; k < end; k += 1) rows.push(this.row(scan.matches[scan.count - 1 - k]!));
    this.sortedProfiles ??= [...this.profileNames].sort((a, b) => a.localeCompare(b));
    return { total: scan.count, offset, rows, profiles: [...this.sortedProfiles] };
  }

  /** The newest `n` credential requests, newest first (the tray menu's recent accesses). */
  recent(n: number): HistoryRow[] {
    const access = this.ids.get('access');
    const rows: HistoryRow[] = [];
    if (access === undefined) return rows;
    for (let i = this.count - 1; i >= 0 && rows.length < n; i -= 1) {
      if (this.codes.event[i] === access) rows.push(this.row(i));
    }
    return rows;
  }
}
