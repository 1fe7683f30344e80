/**
 * The ports through which the core reaches the outside world. The core never imports `fs`,
 * `net`, `child_process` or `electron`; each entry point passes implementations of these in.
 */
import type { ApprovalScopeKind } from '../../../common/decision.ts';
import type { CallerClaim, ProcessFacts, VerifiedCaller } from '../../../common/caller.ts';

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service).
 * Every method throws `KeychainError` with a cause and a fix when the keychain cannot be used.
 */
export interface Keychain {
  /** The secret stored for `account`, or `null` when there is none. */
  get(account: string): Promise<string | null>;
  /**
   * The stored secret's bytes (UTF-8), or `null`, through the keychain's binary API where it
   * has one, so a key read into memory is a Buffer the caller zeroes, not a string it cannot.
   */
  getBytes(account: string): Promise<Buffer | null>;
  /** Stores (or replaces) the secret for `account`. */
  set(account: string, secret: string): Promise<void>;
  /** Removes the secret; `false` when there was none. */
  delete(account: string): Promise<boolean>;
}

/** Cancels a timer set with {@link Clock.setTimer}. */
export type CancelTimer = () => void;

/** Time, so tests can move it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. The timer does not keep the process alive. */
  setTimer(ms: number, fn: () => void): CancelTimer;
}

/** Randomness for keys, nonces and ids. */
export interface Random {
  /** `n` cryptographically strong random bytes. */
  bytes(n: number): Buffer;
}

/** Releases a lock taken with {@link FileSystem.lock}. */
export type Release = () => Promise<void>;

/**
 * Files, as the core needs them. Paths are absolute. Everything created is private to the user
 * (directories 0700, files 0600) whatever the umask. Audit files are read only through the audit
 * line reader (main/core/audit/audit-lines.ts), never with `readFile` or `readRange` directly.
 */
export interface FileSystem {
  /** The whole file, or `null` when it does not exist. */
  readFile(path: string): Promise<Buffer | null>;
  /** `length` bytes from `start` (fewer at the end of the file). */
  readRange(path: string, start: number, length: number): Promise<Buffer>;
  /**
   * Replaces the file so that a crash at any point leaves the old or the new contents:
   * temp file, fsync, rename, fsync of the directory. With `replaceOnly`, the directory is not
   * synced: a power cut may then bring back the old contents even after this resolved, but
   * never a torn or empty file (for files allowed to lag, such as the audit chain head).
   */
  writeFileAtomic(path: string, data: string | Buffer, options?: { replaceOnly?: boolean }): Promise<void>;
  /** Appends and waits until the bytes are on disk (fdatasync). Creates the file 0600. */
  appendDurable(path: string, data: string | Buffer): Promise<void>;
  /** Cuts the file to `length` bytes, durably. */
  truncate(path: string, length: number): Promise<void>;
  /** Size in bytes, or `null` when the file does not exist. */
  size(path: string): Promise<number | null>;
  /** A string that changes whenever the file is replaced or written, or `null` when it does not exist. */
  stamp(path: string): Promise<string | null>;
  /** Names in a directory, sorted; empty when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Creates the directory (and parents) 0700, and refuses one that another user owns or others can open. */
  ensurePrivateDir(dir: string): Promise<void>;
  /** Removes a file; no error when it is already gone. */
  remove(path: string): Promise<void>;
  /**
   * An exclusive lock shared with other processes (a lock file). Waits up to `waitMs`, breaking
   * a lock whose holder has died, then throws.
   */
  lock(path: string, waitMs?: number): Promise<Release>;
}

/**
 * How far a person's "allow" reaches (issue 11). `once`: this request only. `run`: the requesting
 * program instance (verified pid and start time) until it exits or `minutes` pass, which is what
 * SDK refreshes and CLI retries need. `program-folder`: the same executable in the same working
 * directory for `minutes`. `any`: any caller for `minutes`, offered only where the profile permits.
 */

export type ApprovalScope = { kind: 'once' } | { kind: Exclude<ApprovalScopeKind, 'once'>; minutes: number };

/** One access waiting for a person's decision. */
export interface ApprovalRequest {
  profile: string;
  caller: CallerClaim | undefined;
  /** The caller as the kernel names it; absent where the platform cannot verify (then `caller` is all there is, labelled claimed). */
  verified?: VerifiedCaller | undefined;
  /** The scopes the prompt may offer, and the minutes a timed one lasts. Always includes `once`. */
  offer?: { kinds: readonly ApprovalScopeKind[]; minutes: number } | undefined;
  /** True when the agent is locked and allowing also means unlocking. */
  unlock: boolean;
  /** Set when minting the credentials needs an MFA code from this device; the answer carries it. */
  mfaSerial?: string | undefined;
  /**
   * True when the verified program has not used this profile in the last 90 days (derived from
   * the history by the agent's ProgramsSeen): the prompt says so in one line.
   */
  firstUse?: boolean | undefined;
}

/**
 * A person's answer. An allow with a `scope` other than `once` starts a grant bound to what the
 * request's caller verified (see approval-scope.ts); a scope the request did not offer counts as `once`.
 */
export interface ApprovalAnswer {
  allow: boolean;
  /** How far an allow reaches (one of the request's `offer.kinds`); absent means `once`. */
  scope?: ApprovalScope | undefined;
  /** The one-time code, when the request asked for one. */
  mfaCode?: string | undefined;
  /** Why a deny came without a person's answer (e.g. the prompt cannot take an MFA code); recorded and told to the client. */
  reason?: string | undefined;
}

/**
 * Asks a person whether an access may go ahead (Secretive's witness). The tray's native prompt
 * and the headless agent's approver command are two implementations.
 */
export interface Approver {
  /**
   * Who it puts the question to: a window (the tray), a command (`--approver`), or nobody (a
   * headless agent without one: its prompts wait for `tray-cred approve`). Absent: a window.
   */
  readonly reaches?: 'window' | 'command' | 'nobody';
  /** Resolves with the answer. When `signal` aborts (time-out, lock) the prompt closes and the result is ignored. */
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}

/** The AWS-facing ports (STS, IAM access keys, Identity Center) and the external command runner. */
export type * from './aws-ports.ts';

/** The process on the other end of a socket, as the kernel names it (Linux SO_PEERCRED, macOS LOCAL_PEERPID with getpeereid). */
export interface PeerCredentials {
  /** How the kernel was asked, e.g. `SO_PEERCRED`. */
  method: string;
  pid: number;
  uid: number;
}

/** One process as the OS describes it: the facts the agent shows, and what it needs to walk up the tree. */
export interface ProcessRecord extends ProcessFacts {
  ppid: number;
  /** The session id: the walk up the ancestry stops at the session leader (sid = pid). */
  sid: number;
}

/**
 * The OS's process table (Linux /proc, macOS libproc): the agent's own reading of a process, never
 * a client's. `read` resolves `undefined` when the process is gone or cannot be read, and reads
 * the start time before and after the rest, so a record never mixes two processes that shared a pid.
 */
export interface ProcessTable {
  /**
   * `cwd: false` leaves the working directory out (read as ''): the caller walk needs it only up to
   * the requesting program, not for the ancestors above it (one readlink less per ancestor).
   */
  read(pid: number, options?: { cwd?: boolean }): Promise<ProcessRecord | undefined>;
  /** The OS's clock in the units of `startTime` (Linux: ticks since boot), or `undefined` where it cannot be read. */
  now?(): Promise<string | undefined>;
}

/**
 * Whether a verified program asks for a profile for the first time in FIRST_USE_DAYS (common/
 * history.ts), derived from the audit log (programs-seen.ts in the agent): the broker takes it as
 * an optional dependency and the prompt says so in one line.
 */
export interface FirstUse {
  /**
   * True when `exe` has not been served `profile` in the FIRST_USE_DAYS before `now`. May wait
   * while the history is still being read (the agent reads it in the background at start); asked
   * only when a prompt is about to open, which waits for a person anyway.
   */
  isFirstUse(profile: string, exe: string, now: number): boolean | Promise<boolean>;
}

/** The history index's number columns (history-columns.ts); `verified` is 1 or 0. */
export type HistoryNumberColumn = 'seq' | 'time' | 'pid' | 'ppid' | 'durationMs' | 'verified';
/** The history index's interned columns, one id per row: the program's command line (verified where the kernel named it) and a claim about another process among them. */
export type HistoryCodeColumn =
  | 'event'
  | 'profile'
  | 'decision'
  | 'served'
  | 'program'
  | 'cwd'
  | 'reason'
  | 'credentialId'
  | 'command'
  | 'claimed';

/** The bytes `offset` .. `size` of the audit file at `path`, for a {@link BatchReader}. */
export interface BatchJob {
  path: string;
  offset: number;
  size: number;
}

/**
 * Lines of one audit file read into the history index's columns (history-batch.ts), with
 * strings interned per batch: typed arrays and string lists only, so another thread can build
 * it and post it. `end` is the offset after the last whole line read.
 */
export interface HistoryBatch {
  end: number;
  count: number;
  numbers: Record<HistoryNumberColumn, Float64Array>;
  /** Ids into `values`; 0 stands for null. */
  codes: Record<HistoryCodeColumn, Uint32Array>;
  values: string[];
}

/**
 * Reads audit files into history batches for the history index: on this thread by default
 * (history-batch.ts), on worker threads in the app (main/node/audit/history-workers.ts). Either way
 * each batch is what `readBatch` makes of the same bytes.
 */
export interface BatchReader {
  /** One batch per job, in the order of `jobs`; each settles as soon as it is read. */
  read(jobs: readonly BatchJob[]): Promise<HistoryBatch>[];
}
