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
  /** The requesting program's executable as the agent verified it with the OS; null when unverified. */
  program: string | null;
  /** This program had not used this profile in the {@link FIRST_USE_DAYS} days before (derived from the history). */
  firstUse: boolean;
}

/** A verified program that has not used a profile for this many days meets it "for the first time". */
export const FIRST_USE_DAYS = 90;

/** A window onto the filtered history, newest first. */
export interface HistoryPage {
  /** Rows matching the filter. */
  total: number;
  offset: number;
  rows: HistoryRow[];
  /** Every profile name seen in the log, for the filter's choices. */
  profiles: string[];
}

/**
 * The filtered accesses counted per time bucket and decision, for the history window's timeline.
 * Times are milliseconds since 1970; bucket `i` covers `from + i * bucketMs` up to the next.
 */
export interface TimelineBuckets {
  from: number;
  to: number;
  bucketMs: number;
  /** The decisions that occur, each with one count per bucket. */
  series: { decision: Decision; counts: number[] }[];
  /** Entries counted (those with a decision). */
  total: number;
}

/** One profile's activity, from the history: the Profiles window, the tray and `audit --summary`. */
export interface ProfileActivity {
  profile: string;
  /** ISO 8601 of the newest served access, null when never served. */
  lastUsed: string | null;
  uses24h: number;
  uses7d: number;
  /** Accesses not served (denied, timed out, locked, error...) since the summary's start. */
  denials: number;
  /** Accesses since the summary's start, per decision. */
  byDecision: Partial<Record<Decision, number>>;
  /** Verified programs that were served this profile since the summary's start, most uses first. */
  programs: { exe: string; uses: number }[];
}

/** One process of a verified requester's ancestry, as the detail pane shows it. */
export interface StoryProcess {
  pid: number;
  exe: string;
  argv: string[];
}

/** Everything the agent recorded about one access, for the detail pane and `audit show`. */
export interface AccessStory {
  seq: number;
  time: string;
  event: string;
  profile: string | null;
  decision: Decision | null;
  reason: string | null;
  durationMs: number | null;
  requestId: string | null;
  /** What the client said about itself: claims, shown marked as such. */
  claimed: { pid: number; ppid: number; command: string; cwd: string; argv: string[] | null } | null;
  /** What the agent read from the OS: the requesting program, its ancestry and how the peer was named. */
  verified: {
    method: string;
    peer: { pid: number; uid: number };
    requester: StoryProcess & { cwd: string; startTime: string };
    ancestry: StoryProcess[];
  } | null;
  /** The approval this access was served under: its scope and the prompt (request id) that granted it. */
  approval: { scope: string; grant: string } | null;
  /** Where the credentials came from: vault, cache, minted (or what a newer build records). */
  served: string | null;
  credentialId: string | null;
  sessionName: string | null;
  /** A ready CloudTrail lookup of the access key id, when one was handed out. */
  cloudTrail: string | null;
  firstUse: boolean;
  /** Whether the keychain's anchor covers this entry (entries after the last anchor are not yet covered). */
  anchored: boolean;
}
