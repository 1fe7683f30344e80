/**
 * What the history says at a glance, computed over the index's columns in one pass each: the
 * timeline's buckets per decision, and each profile's activity. Both read only typed arrays and
 * interned ids, so a million rows cost milliseconds (figure in build/bench/history-scale.ts).
 */
import { DECISIONS, type Decision } from '../../../common/decision.ts';
import type { ProfileActivity, TimelineBuckets } from '../../../common/history.ts';
import { NULL, SERVED_DECISIONS, type HistoryColumns } from './history-columns.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bucket widths the timeline picks from, finest first: from a day of hours to years of weeks. */
const STEPS = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY, 30 * DAY];

function spanOf(time: Float64Array, rows: Uint32Array): { from: number; to: number } {
  let from = Infinity;
  let to = -Infinity;
  for (const i of rows) {
    const t = time[i]!;
    if (t < from) from = t;
    if (t > to) to = t;
  }
  return { from, to: to + 1 };
}

/** The accesses among `rows` per decision and bucket, over `range` (infinite ends: the rows' own span). */
export function timelineOf(
  columns: HistoryColumns,
  rows: Uint32Array,
  range: { from: number; to: number; buckets: number },
): TimelineBuckets {
  const { time } = columns.numbers;
  const { decision } = columns.codes;
  const own = Number.isFinite(range.from) && Number.isFinite(range.to) ? undefined : spanOf(time, rows);
  const to = Number.isFinite(range.to) ? range.to : own!.to;
  let from = Number.isFinite(range.from) ? range.from : own!.from;
  if (!(to > from))
    return {
      from: Number.isFinite(from) ? from : 0,
      to: Number.isFinite(from) ? from : 0,
      bucketMs: HOUR,
      series: [],
      total: 0,
    };
  const wanted = Math.max(1, Math.floor(range.buckets));
  const bucketMs = STEPS.find((step) => (to - from) / step <= wanted) ?? Math.ceil((to - from) / wanted / DAY) * DAY;
  from = Math.floor(from / bucketMs) * bucketMs;
  const n = Math.max(1, Math.ceil((to - from) / bucketMs));
  // One row of counts per decision id; the decisions are few, so an array indexed by id.
  const byId = DECISIONS.map((d) => columns.idOf(d));
  const slot = new Int32Array(Math.max(0, ...byId) + 1).fill(-1);
  byId.forEach((id, k) => {
    if (id > NULL) slot[id] = k;
  });
  const counts = DECISIONS.map(() => new Float64Array(n));
  let total = 0;
  for (const i of rows) {
    const k = slot[decision[i]!] ?? -1;
    if (k < 0) continue;
    const b = Math.floor((time[i]! - from) / bucketMs);
    if (b < 0 || b >= n) continue;
    counts[k]![b]! += 1;
    total += 1;
  }
  const series = DECISIONS.flatMap((d, k) =>
    counts[k]!.some((c) => c > 0) ? [{ decision: d, counts: [...counts[k]!] }] : [],
  );
  return { from, to: from + n * bucketMs, bucketMs, series, total };
}

interface Tally {
  lastUsed: number;
  uses24h: number;
  uses7d: number;
  denials: number;
  byDecision: Partial<Record<Decision, number>>;
  programs: Map<string, number>;
}

/** Adds one access to its profile's tally. */
function count(
  t: Tally,
  row: { decision: Decision | null; at: number; exe: string | null },
  now: number,
  since: number,
): void {
  const { decision: d, at, exe } = row;
  const served = d !== null && SERVED_DECISIONS.has(d);
  if (served && at > t.lastUsed) t.lastUsed = at;
  if (served && at <= now && now - at < DAY) t.uses24h += 1;
  if (served && at <= now && now - at < 7 * DAY) t.uses7d += 1;
  if (at < since || at > now || d === null) return;
  t.byDecision[d] = (t.byDecision[d] ?? 0) + 1;
  if (!served) t.denials += 1;
  if (served && exe !== null) t.programs.set(exe, (t.programs.get(exe) ?? 0) + 1);
}

/** Per profile that has accesses: the figures of {@link ProfileActivity}, `since` bounding the decisions, denials and programs. */
export function profileActivity(columns: HistoryColumns, now: number, since: number): ProfileActivity[] {
  const access = columns.idOf('access');
  const tallies = new Map<number, Tally>();
  if (access <= NULL) return [];
  const { event, profile, decision, program } = columns.codes;
  const { time } = columns.numbers;
  for (let i = 0; i < columns.count; i += 1) {
    if (event[i] !== access || profile[i] === NULL) continue;
    let t = tallies.get(profile[i]!);
    if (!t)
      tallies.set(
        profile[i]!,
        (t = { lastUsed: -Infinity, uses24h: 0, uses7d: 0, denials: 0, byDecision: {}, programs: new Map() }),
      );
    count(
      t,
      { decision: columns.text(decision[i]!) as Decision | null, at: time[i]!, exe: columns.text(program[i]!) },
      now,
      since,
    );
  }
  return [...tallies]
    .map(([id, t]) => ({
      profile: columns.text(id)!,
      lastUsed: Number.isFinite(t.lastUsed) ? new Date(t.lastUsed).toISOString() : null,
      uses24h: t.uses24h,
      uses7d: t.uses7d,
      denials: t.denials,
      byDecision: t.byDecision,
      programs: [...t.programs]
        .map(([exe, uses]) => ({ exe, uses }))
        .sort((a, b) => b.uses - a.uses || a.exe.localeCompare(b.exe)),
    }))
    .sort((a, b) => a.profile.localeCompare(b.profile));
}
