/**
 * The audit history as every view queries and shows it: the filter, one row, one page. The core's
 * history index answers in these shapes; the windows' API and the pages use them as they are.
 * This file imports only the rest of the vocabulary.
 */
import type { Decision, Served } from './decision.ts';

/** The most rows one history query returns. */
export const MAX_PAGE = 500;

/**
 * Which history rows to show. Every field narrows; an empty filter shows everything.
 * `text` matches case-insensitively anywhere in the profile, caller command, cwd, reason and a differing claim.
 */
export interface HistoryFilter {
  profile?: string | undefined;
  decision?: Decision | undefined;
  text?: string | undefined;
  /** ISO 8601, inclusive. */
  from?: string | undefined;
  /** ISO 8601, exclusive. */
  to?: string | undefined;
  /** `access` (the default) shows credential requests only; `all` adds unlock, lock, import, ... */
  events?: 'access' | 'all' | undefined;
}

/**
 * One audit entry as the history table shows it. Where the kernel named the caller (`verified`),
 * command, cwd and pid are the verified requesting program's; elsewhere they are the helper's claims.
 */
export interface HistoryRow {
  seq: number;
  /** ISO 8601. */
  time: string;
  event: string;
  profile: string | null;
  decision: Decision | null;
  /** The requesting program's command line: verified when `verified`, else as the helper claims it (secret-looking arguments redacted). */
  command: string | null;
  /** True when command, cwd and pid were verified by the kernel and the agent's reading of the process table, not claimed. */
  verified?: boolean | undefined;
  /** The helper's claimed command line when it differs from the verified caller (another process), else null. */
  claimed?: string | null | undefined;
  cwd: string | null;
  pid: number | null;
  ppid: number | null;
  durationMs: number | null;
  reason: string | null;
  /** For served accesses: from the vault, a cached session, or minted now. */
  served: Served | null;
  /** The access key id handed out (not a secret; temporary ones name the session in CloudTrail). */
  credentialId: string | null;
}

/** A window onto the filtered history, newest first. */
export interface HistoryPage {
  /** Rows matching the filter. */
  total: number;
  offset: number;
  rows: HistoryRow[];
  /** Every profile name seen in the log, for the filter's choices. */
  profiles: string[];
}

