import type { Decision } from '../../../common/decision.ts';
import { FIRST_USE_DAYS, type HistoryRow } from '../../../common/history.ts';
import { CODES, NUMBERS, type CodeColumn, type HistoryBatch, type NumberColumn } from './history-batch.ts';

/** A snapshot's tables: interned texts by id (id 0 is null), profile names, last uses as key, time pairs. */
export interface ColumnTables {
  values: string[];
  profiles: string[];
  lastUse: number[];
}

/** Code 0 stands for null, so a column of codes needs no second array for "absent". */
export const NULL = 0;
/** The interned columns a text filter searches. */
export const SEARCHED_CODES = ['profile', 'cwd', 'reason', 'program', 'command', 'claimed'] as const;
const FIRST_USE_MS = FIRST_USE_DAYS * 24 * 3600 * 1000;
/** The decisions that served credentials: a use of the profile. */
export const SERVED_DECISIONS: ReadonlySet<string> = new Set(['allowed', 'approved', 'remembered']);

/** `array`, or a copy at least `need` long (doubling), for columns that grow a row at a time. */
export function grown<T extends Float64Array | Uint32Array>(array: T, need: number): T {
  if (need <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(need, array.length * 2));
  next.set(array);
  return next;
}

/**
 * The audit entries as columns: typed arrays for numbers and for every text (interned strings,
 * one id per row), each distinct text lowercased once at load, so a new text filter looks at
 * each distinct text once and then at one id per row and column.
 */
export class HistoryColumns {
  count = 0;
  readonly numbers = {} as Record<NumberColumn, Float64Array>;
  readonly codes = {} as Record<CodeColumn, Uint32Array>;
  /** Each interned value lowercased, by id, for the text filter. */
  readonly lowerValues: string[] = [''];
  private readonly values: string[] = [''];
  private readonly ids = new Map<string, number>();
  private readonly profileNames = new Set<string>();
  private sortedProfiles: string[] | undefined;
  /** Per row, 1 when its verified program had not been served its profile in FIRST_USE_DAYS. */
  firstUse = new Uint8Array(1024);
  /** The newest served access per profile and verified program (ids joined), in milliseconds. */
  private readonly lastUse = new Map<number, number>();

  constructor() {
    for (const c of NUMBERS) this.numbers[c] = new Float64Array(1024);
    for (const c of CODES) this.codes[c] = new Uint32Array(1024);
  }

  /** The id of an interned string, NULL for none, -1 for a string no row holds. */
  idOf(value: string | undefined): number {
    return value === undefined || value === '' ? NULL : (this.ids.get(value) ?? -1);
  }

  /** The string an id stands for, null for NULL or an id never given. */
  text(id: number): string | null {
    return id === NULL ? null : (this.values[id] ?? null);
  }

  /** Every profile name seen, sorted. */
  profiles(): string[] {
    this.sortedProfiles ??= [...this.profileNames].sort((a, b) => a.localeCompare(b));
    return [...this.sortedProfiles];
  }

  /**
   * Whether `exe` has not been served `profile` in the FIRST_USE_DAYS before `now`, as far as the
   * rows read so far say: a program never seen, or not seen for that long.
   */
  firstUseBy(profile: string, exe: string, now: number): boolean {
    const p = this.idOf(profile);
    const e = this.idOf(exe);
    if (p <= NULL || e <= NULL) return true;
    const last = this.lastUse.get(p * 0x1_0000_0000 + e);
    return last === undefined || now - last > FIRST_USE_MS;
  }

  private notePrograms(i: number, at: number, decision: string | undefined): void {
    const p = this.codes.profile[i]!;
    const e = this.codes.program[i]!;
    if (p === NULL || e === NULL) return;
    const key = p * 0x1_0000_0000 + e;
    const last = this.lastUse.get(key);
    this.firstUse[i] = last === undefined || at - last > FIRST_USE_MS ? 1 : 0;
    if (decision !== undefined && SERVED_DECISIONS.has(decision) && (last === undefined || at > last))
      this.lastUse.set(key, at);
  }

  private intern(value: string | undefined): number {
    if (value === undefined) return NULL;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.lowerValues.push(value.toLowerCase());
      this.ids.set(value, id);
    }
    return id;
  }

  /** What a snapshot of the index holds besides the columns (history-snapshot.ts): the interned texts, profiles and last uses. */
  tables(): ColumnTables {
    return { values: [...this.values], profiles: [...this.profileNames], lastUse: [...this.lastUse].flat() };
  }

  /** Columns rebuilt from a snapshot's arrays (each `count` long) and tables, as they were when it was taken. */
  static restored(
    count: number,
    arrays: Pick<HistoryColumns, 'numbers' | 'codes' | 'firstUse'>,
    tables: ColumnTables,
  ): HistoryColumns {
    const c = new HistoryColumns();
    c.count = count;
    Object.assign(c.numbers, arrays.numbers);
    Object.assign(c.codes, arrays.codes);
    c.firstUse = arrays.firstUse;
    for (const [id, value] of tables.values.entries()) {
      if (id === NULL) continue;
      c.values.push(value);
      c.lowerValues.push(value.toLowerCase());
      c.ids.set(value, id);
    }
    for (const p of tables.profiles) c.profileNames.add(p);
    for (let k = 0; k + 1 < tables.lastUse.length; k += 2) c.lastUse.set(tables.lastUse[k]!, tables.lastUse[k + 1]!);
    return c;
  }

  /** Appends a batch of rows read from the log (history-batch.ts), its interned ids mapped to this index's. */
  append(b: HistoryBatch): void {
    const start = this.count;
    const count = start + b.count;
    if (count > this.numbers.seq.length) this.reserve(Math.max(count, Math.ceil(this.numbers.seq.length * 1.5)));
    for (const c of NUMBERS) this.numbers[c].set(b.numbers[c], start);
    const ids = b.values.map((v, id) => (id === NULL ? NULL : this.intern(v)));
    for (const c of CODES) {
      const from = b.codes[c];
      const to = this.codes[c];
      for (let k = 0; k < b.count; k += 1) to[start + k] = ids[from[k]!]!;
    }
    for (const id of new Set(b.codes.profile)) if (id !== NULL) this.noteProfile(b.values[id]!);
    const { program, decision } = this.codes;
    for (let i = start; i < count; i += 1) {
      if (program[i] !== NULL) this.notePrograms(i, this.numbers.time[i]!, this.text(decision[i]!) ?? undefined);
    }
    this.count = count;
  }

  /**
   * Makes room for `rows` rows in all, when there is less: the index asks for what the bytes
   * still to read will hold, so a long log is not copied at each doubling and its columns are
   * not left half empty (a batch past the room grows them by half).
   */
  reserve(rows: number): void {
    if (rows <= this.numbers.seq.length) return;
    const resized = <T extends Float64Array | Uint32Array | Uint8Array>(array: T): T => {
      const next = new (array.constructor as new (n: number) => T)(rows);
      next.set(array);
      return next;
    };
    for (const c of NUMBERS) this.numbers[c] = resized(this.numbers[c]);
    for (const c of CODES) this.codes[c] = resized(this.codes[c]);
    this.firstUse = resized(this.firstUse);
  }

  private noteProfile(profile: string | undefined): void {
    if (profile === undefined || this.profileNames.has(profile)) return;
    this.profileNames.add(profile);
    this.sortedProfiles = undefined;
  }

  private code(c: CodeColumn, i: number): string | null {
    const id = this.codes[c][i]!;
    return id === NULL ? null : this.values[id]!;
  }

  private number(c: NumberColumn, i: number): number | null {
    const v = this.numbers[c][i]!;
    return Number.isNaN(v) ? null : v;
  }

  /** The row holding entry `seq` (seqs grow with rows, so a binary search). */
  rowOf(seq: number): number | undefined {
    const { seq: seqs } = this.numbers;
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = seqs[mid]!;
      if (v === seq) return mid;
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Built field by field, so nothing but the HistoryRow shape ever leaves the index. */
  row(i: number): HistoryRow {
    return {
      seq: this.numbers.seq[i]!,
      time: new Date(this.numbers.time[i]!).toISOString(),
      event: this.code('event', i)!,
      profile: this.code('profile', i),
      decision: this.code('decision', i) as Decision | null,
      command: this.code('command', i),
      verified: this.numbers.verified[i] === 1,
      claimed: this.code('claimed', i),
      cwd: this.code('cwd', i),
      pid: this.number('pid', i),
      ppid: this.number('ppid', i),
      durationMs: this.number('durationMs', i),
      reason: this.code('reason', i),
      served: this.code('served', i) as HistoryRow['served'],
      credentialId: this.code('credentialId', i),
      program: this.code('program', i),
      firstUse: this.firstUse[i] === 1,
    };
  }
}
