/**
 * The one API the tray app's windows get: `window.trayCred`, exposed by `preload/preload.ts`
 * through `contextBridge` and served by `main/electron/ipc.ts`. These are wire shapes, kept apart
 * from the core's domain types: nothing here can carry a secret back to a page. The only secret
 * that crosses is a new key typed into the profiles form, and it goes one way, to main.
 *
 * The renderer may import types from this file and the shared vocabulary in common/.
 */
import type { ApprovalScopeKind, Decision } from '../common/decision.ts';
import type { ErrorCode } from '../common/errors.ts';
import {
  MAX_PAGE,
  type AccessStory,
  type HistoryFilter,
  type HistoryPage,
  type HistoryRow,
  type ProfileActivity,
  type TimelineBuckets,
} from '../common/history.ts';
import type { Policy } from '../common/policy.ts';

export type { AccessStory, Decision, HistoryFilter, HistoryPage, HistoryRow, ProfileActivity, TimelineBuckets };
export { MAX_PAGE };

/** The most buckets one timeline query returns. */
export const MAX_TIMELINE_BUCKETS = 1000;

/** The IPC channels, one const shared by preload and main. `*:changed` go main → page. */
export const CHANNELS = {
  stateGet: 'state:get',
  stateUnlock: 'state:unlock',
  stateChanged: 'state:changed',
  historyQuery: 'history:query',
  historyVerify: 'history:verify',
  historyExport: 'history:export',
  historyTimeline: 'history:timeline',
  historyEntry: 'history:entry',
  historyActivity: 'history:activity',
  historyChanged: 'history:changed',
  profilesList: 'profiles:list',
  profilesSave: 'profiles:save',
  profilesRemove: 'profiles:remove',
  profilesSetPolicy: 'profiles:set-policy',
  profilesImport: 'profiles:import',
  profilesRotate: 'profiles:rotate',
  profilesChanged: 'profiles:changed',
  approvalGet: 'approval:get',
  approvalAnswer: 'approval:answer',
  approvalChanged: 'approval:changed',
  controlMenu: 'control:menu',
  controlClick: 'control:click',
} as const;

/** The name under which the preload exposes {@link TrayCredApi} on `window`. */
export const API_KEY = 'trayCred';

/**
 * One item of the tray menu as the control window shows it: a button (`action`), a setting
 * (`checkbox`, or one `radio` of a group), a `heading` or `separator`, or a `group` (a submenu).
 */
export interface ControlMenuItem {
  kind: 'action' | 'checkbox' | 'radio' | 'heading' | 'separator' | 'group';
  label: string;
  enabled: boolean;
  checked?: boolean;
  items?: ControlMenuItem[];
}

/** The agent as the windows show it. */
export interface AppState {
  locked: boolean;
  /** Approval prompts open now. */
  pending: number;
  /** Profiles in the vault (0 while locked). */
  profiles: number;
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
  kind: 'keys' | 'role' | 'command' | 'sso';
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
  /** When the stored long-term key was made or stored (its age is shown); absent for roles, commands, Identity Center. */
  keyCreatedAt?: string | null | undefined;
  /** The key is flagged once it is this many days old. */
  rotateAfterDays?: number | null | undefined;
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

/** What "Rotate now" did: the profile (its new key's last four) and one line per step finished. */
export type RotateResult = { profile: ProfileView; done: string[] };

/** What importing a credentials file did; `canceled` when the user closed the file dialog. */
export interface ImportResult {
  canceled: boolean;
  file: string | null;
  imported: string[];
  skipped: string[];
}

/**
 * What every method of {@link TrayCredApi} rejects with: a plain, frozen object, not an `Error`,
 * because only an Error's message survives the contextBridge (its own properties are dropped).
 * Pages act on `code` (LOCKED shows the Unlock button) and show `message`; they never match text.
 */
export interface ApiFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * `window.trayCred`. Each method rejects with an {@link ApiFailure} whose message says what went
 * wrong and what to do ("tray-cred is locked: choose Unlock from the tray menu"). Each `on*`
 * returns the function that unsubscribes.
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
    /** The filter's accesses counted per decision in at most `buckets` (≤ 1000) time buckets, computed in main. */
    timeline(filter: HistoryFilter, buckets: number): Promise<TimelineBuckets>;
    /** One entry's full story, for the detail pane. */
    entry(seq: number): Promise<AccessStory>;
    /** Each profile's activity over the last 7 days (uses, denials, verified programs). */
    activity(): Promise<ProfileActivity[]>;
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
    /** "Rotate now": a new IAM key through `tray-cred rotate`'s steps, approved like any use of the key. */
    rotate(name: string): Promise<RotateResult>;
    onChanged(listener: () => void): () => void;
  };
  /** The control window's (Linux with no tray host): the tray menu itself, item for item. */
  control: {
    /** The tray menu as it is now. */
    menu(): Promise<ControlMenuItem[]>;
    /**
     * Does what the item at `path` (its index, then its index in each submenu) does in the tray
     * menu; `label` must still be that item's, else the menu changed and nothing is done.
     */
    click(path: number[], label: string): Promise<void>;
  };
  /** The approval window's: the request on screen (null when none waits) and the answer to it. */
  approval: {
    current(): Promise<ApprovalView | null>;
    answer(choice: ApprovalChoice): Promise<void>;
    /** The request on screen changed (answered, aborted, a new one queued): get it again. */
    onChanged(listener: () => void): () => void;
  };
}

/** One labelled line about the requesting program, already escaped for display. */
export interface ApprovalFact {
  label: string;
  value: string;
}

/**
 * The approval request on screen, as the approval window shows it: display text only (every
 * caller-chosen string escaped by main), never a key. `id` names this request: an answer for
 * another id is refused, so a click meant for one request never answers the next.
 */
export interface ApprovalView {
  id: number;
  profile: string;
  /** Allowing also unlocks tray-cred. */
  unlock: boolean;
  /** The requesting program in a few words ("aws s3 ls"). */
  program: string;
  /** True when the facts come from the kernel; false when they are the helper's claim. */
  verified: boolean;
  /** Where the facts come from: "verified by the kernel (SO_PEERCRED)" or "claimed by tray-cred-helper, not verified". */
  provenance: string;
  facts: ApprovalFact[];
  /** The scopes an Allow may take, `once` first; `minutes` is how long a timed one lasts. */
  scopes: ApprovalScopeKind[];
  minutes: number;
  /** The MFA device whose six-digit code allowing needs, or null. */
  mfaDevice: string | null;
  /** Why the last code given for this profile failed (AWS rejected it), or null. */
  rejected: string | null;
  /** "First time `/usr/local/bin/terraform` asks for prod" when the verified program has not used the profile in 90 days, else null. */
  firstUse: string | null;
  /** Requests waiting after this one. */
  queued: number;
}

/** The person's answer to the request `id`: Deny, or Allow with one of the offered scopes (and the code). */
export interface ApprovalChoice {
  id: number;
  allow: boolean;
  scope: ApprovalScopeKind;
  mfaCode?: string | undefined;
}

/** An MFA code as AWS takes it: exactly six digits. */
export const MFA_CODE = /^\d{6}$/;

/**
 * What every `ipcMain.handle` answers: the preload turns `ok: false` into a rejected
 * {@link ApiFailure}. Only a code and a message cross, never a stack or a cause.
 */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: ApiFailure };
