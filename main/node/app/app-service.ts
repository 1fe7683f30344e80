import type {
  AccessStory,
  AppState,
  ApprovalChoice,
  ApprovalView,
  ChainStatus,
  ExportFormat,
  ExportResult,
  HistoryFilter,
  HistoryPage,
  ImportResult,
  PolicyInput,
  ProfileActivity,
  ProfileInput,
  ProfileView,
  TimelineBuckets,
} from '../../../preload/api.ts';
import { MAX_PAGE, MAX_TIMELINE_BUCKETS } from '../../../preload/api.ts';
import { accessStory, readEntry } from '../../core/history/access-story.ts';
import { ProfileAdmin } from '../../core/vault/admin.ts';
import type { AuditLog } from '../../core/audit/audit-log.ts';
import type { Broker } from '../../core/pipeline/broker.ts';
import { TrayCredError, UnknownProfileError, UsageError } from '../../core/errors.ts';
import { toCsv, toJson } from '../../core/history/history-export.ts';
import type { HistoryIndex } from '../../core/history/history-index.ts';
import { detectFormat, readSource } from '../../core/aws/import-sources.ts';
import type { FileSystem } from '../../core/ports/ports.ts';
import { checkCredentials, checkPolicy, checkProfileName, checkRememberMinutes } from '../../core/profiles/profile.ts';
import { profileView, verifyChain } from './app-service-parts.ts';
import type { Vault } from '../../core/vault/vault.ts';

/** What the windows' API is served from. `unlock` is the front end's own (it may ask for Touch ID first). */
export interface AppServiceDeps {
  broker: Broker;
  vault: Vault;
  audit: AuditLog;
  history: HistoryIndex;
  fs: FileSystem;
  unlock: () => Promise<void>;
  /** The time "last 24 h" and "7 d" count back from; the system clock when absent. */
  now?: () => number;
  /** The request the approval window shows, and where its answer goes (approval-window.ts). */
  approvals: { current(): ApprovalView | null; answer(choice: ApprovalChoice): void };
  /** What the control window does beyond the agent: open a window, quit the app. */
  control: { open(window: 'history' | 'profiles'): void; quit(): void };
}

const WEEK_MS = 7 * 86_400_000;

/**
 * A failure that is tray-cred's own bug, not the user's: the window is told only that it
 * happened; `cause` stays in main for the log.
 */
export class InternalAppError extends TrayCredError {
  constructor(what: string, cause: unknown) {
    super('INTERNAL', `tray-cred hit an internal error while it ${what}; the app's log has the details`);
    this.cause = cause;
  }
}

/**
 * Every call of the windows' API (`preload/api.ts`), Electron-free: the IPC layer validates the
 * payload's shape and calls these. Each change to the vault runs under `broker.withKey`, so it
 * needs the agent unlocked, and is audited by {@link ProfileAdmin}. Expected failures are
 * `TrayCredError`s whose message says the fix; anything else becomes an INTERNAL error.
 */
export class AppService {
  private readonly deps: AppServiceDeps;
  private readonly admin: ProfileAdmin;

  constructor(deps: AppServiceDeps) {
    this.deps = deps;
    this.admin = new ProfileAdmin(deps.vault, deps.audit);
  }

  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof TrayCredError) throw error;
      throw new InternalAppError(what, error);
    }
  }

  async controlLock(): Promise<AppState> {
    await this.deps.broker.lock('locked from the control window');
    return this.state();
  }

  controlOpen(window: 'history' | 'profiles'): void {
    this.deps.control.open(window);
  }

  controlQuit(): void {
    this.deps.control.quit();
  }

  approvalCurrent(): ApprovalView | null {
    return this.deps.approvals.current();
  }

  approvalAnswer(choice: ApprovalChoice): void {
    this.deps.approvals.answer(choice);
  }

  state(): AppState {
    const s = this.deps.broker.status();
    return { locked: s.locked, pending: s.pending, profiles: s.profiles };
  }

  unlock(): Promise<AppState> {
    return this.guard('unlocked', async () => {
      await this.deps.unlock();
      return this.state();
    });
  }

  historyQuery(filter: HistoryFilter, offset: number, limit: number): Promise<HistoryPage> {
    return this.guard('read the history', async () => {
      if (limit > MAX_PAGE) throw new UsageError(`a history page holds at most ${MAX_PAGE} rows`);
      await this.deps.history.refresh();
      return this.deps.history.query(filter, offset, limit);
    });
  }

  /** The filter's accesses per decision in at most `buckets` time buckets: what the timeline draws. */
  historyTimeline(filter: HistoryFilter, buckets: number): Promise<TimelineBuckets> {
    return this.guard('counted the history', async () => {
      if (buckets > MAX_TIMELINE_BUCKETS) throw new UsageError(`a timeline holds at most ${MAX_TIMELINE_BUCKETS} buckets`);
      await this.deps.history.refresh();
      return this.deps.history.timeline(filter, buckets);
    });
  }

  /** Entry `seq` told in full, for the detail pane. */
  historyEntry(seq: number): Promise<AccessStory> {
    return this.guard('read the entry', async () => {
      const { history, audit, fs } = this.deps;
      const entry = await readEntry(fs, audit.dir, seq);
      if (!entry) throw new UsageError(`entry ${seq} is not in the audit log any more: refresh the history`);
      await history.refresh();
      return accessStory(entry, { anchoredSeq: (await audit.readAnchor())?.seq ?? 0, firstUse: history.isFirstUse(seq) ?? false });
    });
  }

  /** Each profile's activity over the last 7 days, for the Profiles window. */
  historyActivity(): Promise<ProfileActivity[]> {
    return this.guard('summed the history', async () => {
      const now = (this.deps.now ?? Date.now)();
      await this.deps.history.refresh();
      return this.deps.history.activity(now, now - WEEK_MS);
    });
  }

  historyVerify(): Promise<ChainStatus> {
    return this.guard('verified the history', () => verifyChain(this.deps));
  }

  /** Writes every row the filter matches (not just one page) to `path`, which the user chose in a save dialog. */
  historyExport(filter: HistoryFilter, format: ExportFormat, path: string): Promise<ExportResult> {
    return this.guard('exported the history', async () => {
      const { history, fs } = this.deps;
      await history.refresh();
      const { rows } = history.query(filter, 0, Infinity);
      try {
        await fs.writeFileAtomic(path, format === 'csv' ? toCsv(rows) : toJson(rows));
      } catch (error) {
        throw new UsageError(`the history could not be saved as ${path} (${(error as NodeJS.ErrnoException).code ?? 'write failed'}): choose a folder you can write to`);
      }
      return { saved: true, rows: rows.length, path };
    });
  }

  profilesList(): Promise<ProfileView[]> {
    return this.guard('listed the profiles', async () => (await this.deps.broker.profiles()).map(profileView));
  }

  private async find(name: string): Promise<ProfileView> {
    const found = (await this.deps.broker.profiles()).find((p) => p.name === name);
    if (!found) throw new UnknownProfileError(name);
    return profileView(found);
  }

  /** Adds a profile, or rotates its keys when `replace`; then applies the policy settings given. */
  profilesSave(input: ProfileInput): Promise<ProfileView> {
    return this.guard('saved the profile', async () => {
      const name = checkProfileName(input.name);
      const policy = checkPolicy(input.policy);
      const remember = checkRememberMinutes(input.rememberMinutes);
      const credentials = checkCredentials(name, { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey, sessionToken: input.sessionToken });
      await this.deps.broker.withKey(async (key) => {
        const old = (await this.deps.vault.read(key)).data.profiles[name];
        if (old && !input.replace) throw new UsageError(`profile "${name}" exists already: choose Edit to rotate its keys, or pick another name`);
        if (!old && input.replace) throw new UnknownProfileError(name);
        // A new profile starts with the policy chosen in the form, so an `ask` profile starts in session mode as with `tray-cred add`.
        await this.admin.add(key, name, credentials, input.replace, policy);
        const stored = (await this.deps.vault.read(key)).data.profiles[name];
        if (stored && (stored.policy !== policy || stored.rememberMinutes !== remember || (stored.notify ?? false) !== input.notify)) {
          await this.admin.setPolicy(key, name, policy, remember, input.notify);
        }
      });
      return this.find(name);
    });
  }

  profilesRemove(name: string): Promise<void> {
    return this.guard('removed the profile', async () => {
      checkProfileName(name);
      await this.deps.broker.withKey((key) => this.admin.remove(key, name));
    });
  }

  profilesSetPolicy(input: PolicyInput): Promise<ProfileView> {
    return this.guard('changed the policy', async () => {
      const name = checkProfileName(input.name);
      const policy = checkPolicy(input.policy);
      const remember = checkRememberMinutes(input.rememberMinutes);
      await this.deps.broker.withKey((key) => this.admin.setPolicy(key, name, policy, remember, input.notify));
      return this.find(name);
    });
  }

  /**
   * Imports an AWS credentials file the user chose in an open dialog. Profiles that exist are
   * kept (rotation is the Edit button's job). Only names come back, never a key.
   */
  profilesImport(path: string): Promise<ImportResult> {
    return this.guard('imported the file', async () => {
      let bytes: Buffer | null;
      try {
        bytes = await this.deps.fs.readFile(path);
      } catch (error) {
        throw new UsageError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'read failed'}): choose an AWS credentials file you can read`);
      }
      if (!bytes) throw new UsageError(`there is no file at ${path}`);
      if (detectFormat(path, bytes) === 'openssl-enc') {
        throw new UsageError(`${path} is encrypted with openssl: import it with \`tray-cred import ${path} --pass-file <key file>\``);
      }
      const parsed = readSource('aws-credentials', path, bytes, {});
      const ignored = parsed.skipped.map((s) => s.profile);
      if (parsed.profiles.size === 0) throw new UsageError(`${path} holds no profile with aws_access_key_id and aws_secret_access_key`);
      const r = await this.deps.broker.withKey((key) =>
        this.admin.import(key, parsed.profiles, { replace: false, source: `${path} (aws-credentials, Profiles window)` }),
      );
      return { canceled: false, file: path, imported: [...r.added, ...r.replaced], skipped: [...r.skipped, ...ignored] };
    });
  }
}
