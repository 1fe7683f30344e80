import type { Decision } from '../../common/decision.ts';
import type { HistoryRow } from '../../common/history.ts';
import { claimDiffers, programText } from '../../common/caller-text.ts';
import type { AuditRecord } from './audit-codec.ts';

const NUMBERS = ['seq', 'time', 'pid', 'ppid', 'durationMs', 'verified'] as const;
/** Few distinct values, and the filters compare them: interned, one id per row. */
const CODES = ['event', 'profile', 'decision', 'served'] as const;
/** Mostly distinct per row (a command names its file or bucket): interning them costs more than it saves. */
const TEXTS = ['command', 'cwd', 'reason', 'credentialId', 'claimed'] as const;
/** Code 0 stands for null, so a column of codes needs no second array for "absent". */
export const NULL = 0;
/** Joins the searched fields, so a needle without it cannot match across two of them. */
const SEP = '\u0000';

type NumberColumn = (typeof NUMBERS)[number];
type CodeColumn = (typeof CODES)[number];
type TextColumn = (typeof TEXTS)[number];

/** `array`, or a copy at least `need` long (doubling), for columns that grow a row at a time. */
export function grown<T extends Float64Array | Uint32Array>(array: T, need: number): T {
  if (need <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(need, array.length * 2));
  next.set(array);
  return next;
}

/**
 * The audit entries as columns: typed arrays for numbers and the filtered codes (interned
 * strings, one id per row), plain arrays for the mostly distinct texts, and per row the searched
 * text lowercased once at load, so a new filter is one pass over them.
 */
export class HistoryColumns {
  count = 0;
  readonly numbers = {} as Record<NumberColumn, Float64Array>;
  readonly codes = {} as Record<CodeColumn, Uint32Array>;
  private readonly texts = {} as Record<TextColumn, (string | null)[]>;
  /** Per row, the lowercased profile, command, cwd and reason. */
  readonly search: string[] = [];
  private readonly values: string[] = [''];
  private readonly ids = new Map<string, number>();
  private readonly profileNames = new Set<string>();
  private sortedProfiles: string[] | undefined;

  constructor() {
    for (const c of NUMBERS) this.numbers[c] = new Float64Array(1024);
    for (const c of CODES) this.codes[c] = new Uint32Array(1024);
    for (const c of TEXTS) this.texts[c] = [];
  }

  /** The id of an interned string, NULL for none, -1 for a string no row holds. */
  idOf(value: string | undefined): number {
    return value === undefined || value === '' ? NULL : (this.ids.get(value) ?? -1);
  }

  /** Every profile name seen, sorted. */
  profiles(): string[] {
    this.sortedProfiles ??= [...this.profileNames].sort((a, b) => a.localeCompare(b));
    return [...this.sortedProfiles];
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

  /** Appends one entry; `at` is its time in milliseconds, as the codec parsed it. */
  add(e: AuditRecord, at: number): void {
    const i = this.count;
    if (i + 1 > this.numbers.seq.length) {
      for (const c of NUMBERS) this.numbers[c] = grown(this.numbers[c], i + 1);
      for (const c of CODES) this.codes[c] = grown(this.codes[c], i + 1);
    }
    this.numbers.seq[i] = e.seq;
    this.numbers.time[i] = at;
    // The verified requester where the kernel named one; the claim otherwise.
    const v = e.verified;
    this.numbers.pid[i] = v ? v.requester.pid : (e.caller?.pid ?? NaN);
    this.numbers.ppid[i] = v ? (v.ancestry[0]?.pid ?? NaN) : (e.caller?.ppid ?? NaN);
    this.numbers.verified[i] = v ? 1 : 0;
    this.numbers.durationMs[i] = e.durationMs ?? NaN;
    for (const c of CODES) this.codes[c][i] = this.intern(e[c]);
    this.addTexts(e);
    this.noteProfile(e.profile);
    this.count = i + 1;
  }

  private addTexts(e: AuditRecord): void {
    const v = e.verified;
    const command = v ? programText(v.requester) : (e.caller?.command ?? null);
    const cwd = v ? v.requester.cwd : (e.caller?.cwd ?? null);
    const claimed = v && e.caller && claimDiffers(e.caller, v) ? e.caller.command : null;
    this.texts.command.push(command);
    this.texts.cwd.push(cwd);
    this.texts.reason.push(e.reason ?? null);
    this.texts.credentialId.push(e.credentialId ?? null);
    this.texts.claimed.push(claimed);
    this.search.push(`${e.profile ?? ''}${SEP}${command ?? ''}${SEP}${cwd ?? ''}${SEP}${e.reason ?? ''}${SEP}${claimed ?? ''}`.toLowerCase());
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

  /** Built field by field, so nothing but the HistoryRow shape ever leaves the index. */
  row(i: number): HistoryRow {
    return {
      seq: this.numbers.seq[i]!,
      time: new Date(this.numbers.time[i]!).toISOString(),
      event: this.code('event', i)!,
      profile: this.code('profile', i),
      decision: this.code('decision', i) as Decision | null,
      command: this.texts.command[i]!,
      verified: this.numbers.verified[i] === 1,
      claimed: this.texts.claimed[i]!,
      cwd: this.texts.cwd[i]!,
      pid: this.number('pid', i),
      ppid: this.number('ppid', i),
      durationMs: this.number('durationMs', i),
      reason: this.texts.reason[i]!,
      served: this.code('served', i) as HistoryRow['served'],
      credentialId: this.texts.credentialId[i]!,
    };
  }
}
