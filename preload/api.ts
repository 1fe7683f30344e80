/**
 * The one API the tray app's windows get: `window.trayCred`, exposed by `preload/preload.ts`
 * through `contextBridge` and served by `main/electron/ipc.ts`. These are wire shapes, kept apart
 * from the core's domain types: nothing here can carry a secret back to a page. The only secret
 * that crosses is a new key typed into the profiles form, and it goes one way, to main.
 *
 * Self-contained on purpose: the renderer may import types from this file and nothing else.
 */

/** The IPC channels, one const shared by preload and main. `*:changed` go main → page. */
export const CHANNELS = {
  stateGet: 'state:get',
  stateUnlock: 'state:unlock',
  stateChanged: 'state:changed',
  historyQuery: 'history:query',
  historyVerify: 'history:verify',
  historyExport: 'history:export',
  historyChanged: 'history:changed',
  profilesList: 'profiles:list',
  profilesSave: 'profiles:save',
  profilesRemove: 'profiles:remove',
  profilesSetPolicy: 'profiles:set-policy',
  profilesImport: 'profiles:import',
  profilesChanged: 'profiles:changed',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** The name under which the preload exposes {@link TrayCredApi} on `window`. */
export const API_KEY = 'trayCred';

/** What may happen when a client asks for a profile. */
export type Policy = 'allow' | 'ask' | 'deny';

/** The outcome of an access, as the audit log records it. */
export type Decision =
  | 'allowed'
  | 'approved'
  | 'remembered'
  | 'denied'
  | 'timeout'
  | 'locked'
  | 'unknown-profile'
  | 'expired'
  | 'error';

export const DECISIONS: readonly Decision[] = ['allowed', 'approved', 'remembered', 'denied', 'timeout', 'locked', 'unknown-profile', 'expired', 'error'];

/** The agent as the windows show it. */
export interface AppState {
  locked: boolean;
  /** Approval prompts open now. */
  pending: number;
  /** Profiles in the vault (0 while locked). */
  profiles: number;
}

/**
 * Which history rows to show. Every field narrows; an empty filter shows everything.
 * `text` matches case-insensitively anywhere in the profile, caller command, cwd and reason.
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

/** One audit entry as the history table shows it. The caller's fields are claims, not proof. */
export interface HistoryRow {
  seq: number;
  /** ISO 8601. */
  time: string;
  event: string;
  profile: string | null;
  decision: Decision | null;
  /** The command line the helper claims asked (secret-looking flags already redacted). */
  command: string | null;
  cwd: string | null;
  pid: number | null;
  ppid: number | null;
  durationMs: number | null;
  reason: string | null;
  /** For served accesses: from the vault, a cached session, or minted now. */
  served: 'vault' | 'cache' | 'minted' | null;
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

/** What `audit verify` says of the whole chain. */
export type ChainStatus =
  | { state: 'verified'; entries: number }
  | { state: 'tampered'; entries: number; seq: number | null; file: string; line: number; reason: string }
  | { state: 'unavailable'; reason: string };

export type ExportFormat = 'csv' | 'json';

/** The result of exporting the current view; `saved` is false when the user cancelled the save dialog. */
export interface ExportResult {
  saved: boolean;
  rows: number;
  path?: string | undefined;
}

/** A profile as the profiles window shows it: never a key, never a secret. */
export interface ProfileView {
  name: string;
  kind: 'keys' | 'role' | 'command';
  /** The last four characters of the access key id, as the AWS console shows them. */
  accessKeyIdSuffix: string;
  sessionMode: boolean;
  mfa: boolean;
  roleArn: string | null;
  sourceProfile: string | null;
  policy: Policy;
  rememberMinutes: number;
  notify: boolean;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
}

/**
 * A new profile, or new keys for one (rotation, with `replace`). The secret goes to main and is
 * never sent back; the page clears its field after sending.
 */
export interface ProfileInput {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  policy: Policy;
  rememberMinutes: number;
  notify: boolean;
  replace: boolean;
}

/** A profile's policy settings. */
export interface PolicyInput {
  name: string;
  policy: Policy;
  rememberMinutes: number;
  notify: boolean;
}

/** What importing a credentials file did; `canceled` when the user closed the file dialog. */
export interface ImportResult {
  canceled: boolean;
  file: string | null;
  imported: string[];
  skipped: string[];
}

/**
 * `window.trayCred`. Each method rejects with an `Error` whose message says what went wrong and
 * what to do ("tray-cred is locked: choose Unlock from the tray menu"). Each `on*` returns the
 * function that unsubscribes.
 */
export interface TrayCredApi {
  state: {
    get(): Promise<AppState>;
    /** Asks main to unlock (the same as the tray's Unlock). */
    unlock(): Promise<AppState>;
    onChanged(listener: (state: AppState) => void): () => void;
  };
  history: {
    /** Rows `offset` .. `offset + limit` of the filtered history, newest first. `limit` ≤ 500. */
    query(filter: HistoryFilter, offset: number, limit: number): Promise<HistoryPage>;
    verify(): Promise<ChainStatus>;
    /** Main asks where to save, then writes the filtered history (all of it, not just the rows on screen). */
    export(filter: HistoryFilter, format: ExportFormat): Promise<ExportResult>;
    /** New entries were recorded: re-query what is on screen. */
    onChanged(listener: () => void): () => void;
  };
  profiles: {
    list(): Promise<ProfileView[]>;
    save(input: ProfileInput): Promise<ProfileView>;
    remove(name: string): Promise<void>;
    setPolicy(input: PolicyInput): Promise<ProfileView>;
    /** Main shows an open-file dialog and imports an AWS credentials file. */
    importFile(): Promise<ImportResult>;
    onChanged(listener: () => void): () => void;
  };
}

/**
 * What every `ipcMain.handle` answers: the preload turns `ok: false` into a rejected `Error` with
 * `message`. Only a code and a message cross, never a stack or a cause.
 */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** The most rows one history query returns. */
export const MAX_PAGE = 500;
