import type {
  ImportResult,
  PolicyInput,
  ProfileActivity,
  ProfileInput,
  ProfileView,
  RotateResult,
} from '../../../preload/api.ts';
import type { AuditLog } from '../../core/audit/audit-log.ts';
import { detectFormat, readSource } from '../../core/aws/import-sources.ts';
import { UnknownProfileError, UsageError } from '../../core/errors.ts';
import type { HistoryIndex } from '../../core/history/history-index.ts';
import type { Broker } from '../../core/pipeline/broker.ts';
import type { AccessKeys, Clock, FileSystem } from '../../core/ports/ports.ts';
import {
  checkCredentials,
  checkPolicy,
  checkProfileName,
  checkRememberMinutes,
  type ProfileSummary,
} from '../../core/profiles/profile.ts';
import { ProfileAdmin } from '../../core/vault/admin.ts';
import type { Vault } from '../../core/vault/vault.ts';
import { guarded } from './internal-app-error.ts';
import { rotateNow } from './profile-actions.ts';

/** What the Profiles window is served from. */
export interface ProfilesServiceDeps {
  broker: Broker;
  vault: Vault;
  audit: AuditLog;
  /** Each profile's activity comes from the history index. */
  history: HistoryIndex;
  fs: FileSystem;
  /** The time "7 d" counts back from, and the rotation's waits. */
  clock: Clock;
  /** IAM's access keys, for "Rotate now". */
  keys: AccessKeys;
}

const WEEK_MS = 7 * 86_400_000;

/** A profile's metadata as the windows show it: never a key. */
function profileView(p: ProfileSummary): ProfileView {
  return {
    name: p.name,
    kind: p.kind,
    accessKeyIdSuffix: p.accessKeyIdSuffix,
    sessionMode: p.sessionMode,
    mfa: p.mfa,
    roleArn: p.roleArn ?? null,
    sourceProfile: p.sourceProfile ?? null,
    policy: p.policy,
    rememberMinutes: p.rememberMinutes,
    notify: p.notify,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    lastUsedAt: p.lastUsedAt ?? null,
    keyCreatedAt: p.keyCreatedAt ?? null,
    rotateAfterDays: p.rotateAfterDays ?? null,
  };
}

/**
 * The Profiles window's calls (`preload/api.ts` `profiles`, and `history.activity`, which only
 * it shows), Electron-free. Each change to the vault runs under `broker.withKey`, so it needs the
 * agent unlocked, and is audited by {@link ProfileAdmin}. Expected failures are `TrayCredError`s
 * whose message says the fix; anything else becomes an INTERNAL error.
 */
export class ProfilesService {
  private readonly deps: ProfilesServiceDeps;
  private readonly admin: ProfileAdmin;

  constructor(deps: ProfilesServiceDeps) {
    this.deps = deps;
    this.admin = new ProfileAdmin(deps.vault, deps.audit);
  }

  list(): Promise<ProfileView[]> {
    return guarded('listed the profiles', async () => (await this.deps.broker.profiles()).map(profileView));
  }

  private async find(name: string): Promise<ProfileView> {
    const found = (await this.deps.broker.profiles()).find((p) => p.name === name);
    if (!found) throw new UnknownProfileError(name);
    return profileView(found);
  }

  /** Adds a profile, or rotates its keys when `replace`; then applies the policy settings given. */
  save(input: ProfileInput): Promise<ProfileView> {
    return guarded('saved the profile', async () => {
      const name = checkProfileName(input.name);
      const policy = checkPolicy(input.policy);
      const remember = checkRememberMinutes(input.rememberMinutes);
      const credentials = checkCredentials(name, {
        accessKeyId: input.accessKeyId,
        secretAccessKey: input.secretAccessKey,
        sessionToken: input.sessionToken,
      });
      await this.deps.broker.withKey(async (key) => {
        const old = (await this.deps.vault.read(key)).data.profiles[name];
        if (old && !input.replace)
          throw new UsageError(
            `profile "${name}" exists already: choose Edit to rotate its keys, or pick another name`,
          );
        if (!old && input.replace) throw new UnknownProfileError(name);
        // A new profile starts with the policy chosen in the form, so an `ask` profile starts in session mode as with `tray-cred add`.
        await this.admin.add(key, name, credentials, input.replace, policy);
        const stored = (await this.deps.vault.read(key)).data.profiles[name];
        if (
          stored &&
          (stored.policy !== policy || stored.rememberMinutes !== remember || (stored.notify ?? false) !== input.notify)
        ) {
          await this.admin.setPolicy(key, name, policy, remember, input.notify);
        }
      });
      return this.find(name);
    });
  }

  remove(name: string): Promise<void> {
    return guarded('removed the profile', async () => {
      checkProfileName(name);
      await this.deps.broker.withKey((key) => this.admin.remove(key, name));
    });
  }

  setPolicy(input: PolicyInput): Promise<ProfileView> {
    return guarded('changed the policy', async () => {
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
  importFile(path: string): Promise<ImportResult> {
    return guarded('imported the file', async () => {
      let bytes: Buffer | null;
      try {
        bytes = await this.deps.fs.readFile(path);
      } catch (error) {
        throw new UsageError(
          `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'read failed'}): choose an AWS credentials file you can read`,
        );
      }
      if (!bytes) throw new UsageError(`there is no file at ${path}`);
      if (detectFormat(path, bytes) === 'openssl-enc') {
        throw new UsageError(
          `${path} is encrypted with openssl: import it with \`tray-cred import ${path} --pass-file <key file>\``,
        );
      }
      const parsed = readSource('aws-credentials', path, bytes, {});
      const ignored = parsed.skipped.map((s) => s.profile);
      if (parsed.profiles.size === 0)
        throw new UsageError(`${path} holds no profile with aws_access_key_id and aws_secret_access_key`);
      const r = await this.deps.broker.withKey((key) =>
        this.admin.import(key, parsed.profiles, {
          replace: false,
          source: `${path} (aws-credentials, Profiles window)`,
        }),
      );
      return {
        canceled: false,
        file: path,
        imported: [...r.added, ...r.replaced],
        skipped: [...r.skipped, ...ignored],
      };
    });
  }

  /**
   * "Rotate now" (issue 15): the same steps as `tray-cred rotate`, gated by the broker like any
   * use of the key (profile-actions.ts rotateNow).
   */
  rotate(name: string): Promise<RotateResult> {
    return guarded('rotated the key', async () => {
      const done = await rotateNow(this.deps, name);
      return { profile: await this.find(name), done };
    });
  }

  /** Each profile's activity over the last 7 days. */
  activity(): Promise<ProfileActivity[]> {
    return guarded('summed the history', async () => {
      const now = this.deps.clock.now();
      await this.deps.history.refresh();
      return this.deps.history.activity(now, now - WEEK_MS);
    });
  }
}
