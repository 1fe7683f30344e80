/** How the windows show times, durations and decisions. */
import type { Decision } from '../common/decision.ts';

const two = (n: number): string => String(n).padStart(2, '0');

/** An ISO time as local `YYYY-MM-DD HH:MM:SS`: sortable, and the same width on every row. */
export function formatLocalTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A `datetime-local` value (local wall time) as ISO 8601 for the filter; empty stays unset. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Green for served, red for refused, neutral for the rest: the colour a glance needs. */
export function decisionTone(decision: Decision | null): 'ok' | 'bad' | 'neutral' {
  switch (decision) {
    case 'allowed':
    case 'approved':
    case 'remembered':
      return 'ok';
    case 'denied':
    case 'locked':
    case 'timeout':
      return 'bad';
    default:
      return 'neutral';
  }
}

const counts = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return counts.format(n);
}
