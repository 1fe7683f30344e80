import type { AuditLog } from '../audit/audit-log.ts';
import { UnknownProfileError, UsageError } from '../errors.ts';
import {
  checkRecord,
  defaultPolicy,
  defaultSts,
  type CommandSource,
  type NewCredentials,
  type Policy,
  type ProfileRecord,
  type RoleSource,
  type StsSettings,
} from '../profiles/profile.ts';
import { checkRoleChaining } from '../profiles/role-chaining.ts';
import type { SsoSource } from '../profiles/sso-schema.ts';
import type { Vault } from './vault.ts';

/** A change of STS settings; `null` clears an optional one. */
export type StsChange = { sessionMode?: boolean | undefined; durationSeconds?: number | undefined } & {
  [K in 'mfaSerial' | 'region' | 'endpoint']?: string | null | undefined;
};

/** The vault operations behind `tray-cred` commands and the Profiles window. Each one is audited. */
export class ProfileAdmin {
  private readonly vault: Vault;
  private readonly audit: AuditLog;

  constructor(vault: Vault, audit: AuditLog) {
    this.vault = vault;
    this.audit = audit;
  }

  private record(
    c: NewCredentials,
    policy: Policy,
    now: string,
    old: ProfileRecord | undefined,
    sessionMode: boolean,
  ): ProfileRecord {
    const r: ProfileRecord = {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      policy: old?.policy ?? policy,
      rememberMinutes: old?.rememberMinutes ?? 0,
      createdAt: old?.createdAt ?? now,
      updatedAt: now,
    };
    if (c.sessionToken) r.sessionToken = c.sessionToken;
    if (c.expiration) r.expiration = c.expiration;
    if (old?.lastUsedAt) r.lastUsedAt = old.lastUsedAt;
    // A key handed over by hand is as old as its arrival here, as far as tray-cred can tell.
    if (!c.sessionToken) r.keyCreatedAt = now;
    if (old?.rotateAfterDays !== undefined) r.rotateAfterDays = old.rotateAfterDays;
    // Rotating keys keeps the profile's settings, the notify choice among them.
    if (old?.notify !== undefined) r.notify = old.notify;
    const sts = old ? old.sts : sessionMode ? defaultSts(policy, c.sessionToken !== undefined) : undefined;
    if (sts) r.sts = sts;
    return r;
  }

  /**
   * Adds profiles; one that exists is kept unless `replace` (its policy stays). New profiles get
   * {@link defaultPolicy}: `ask` when the name contains "prod". An import keeps serving what the
   * source served (the migration promise: `aws` works as before), so session mode is turned on
   * only when asked for.
   */
  async import(
    key: Buffer,
    profiles: Map<string, NewCredentials>,
    options: { replace: boolean; source: string; sessionMode?: boolean },
  ): Promise<{ added: string[]; replaced: string[]; skipped: string[] }> {
    const now = this.vault.nowIso();
    const { result } = await this.vault.update(key, (data) => {
      const out = { added: [] as string[], replaced: [] as string[], skipped: [] as string[] };
      for (const [name, c] of profiles) {
        const old = data.profiles[name];
        if (old && !options.replace) {
          out.skipped.push(name);
          continue;
        }
        data.profiles[name] = this.record(c, defaultPolicy(name), now, old, options.sessionMode ?? false);
        (old ? out.replaced : out.added).push(name);
      }
      return out;
    });
    await this.audit.append({
      event: 'import',
      reason: `from ${options.source}: added ${result.added.join(', ') || 'none'}; replaced ${result.replaced.join(', ') || 'none'}; skipped ${result.skipped.join(', ') || 'none'}`,
    });
    return result;
  }

  /**
   * Adds one profile, or rotates its keys when `replace` (its settings stay). A new profile gets
   * `policy`, else the default for its name; a new `ask` profile with long-term keys starts in session mode.
   */
  async add(
    key: Buffer,
    name: string,
    c: NewCredentials,
    replace: boolean,
    policy: Policy = defaultPolicy(name),
  ): Promise<'added' | 'replaced'> {
    const now = this.vault.nowIso();
    const { result } = await this.vault.update(key, (data) => {
      const old = data.profiles[name];
      if (old && !replace) throw new UsageError(`profile "${name}" exists already: pass --replace to rotate its keys`);
      data.profiles[name] = this.record(c, policy, now, old, true);
      return old ? ('replaced' as const) : ('added' as const);
    });
    await this.audit.append({
      event: 'add',
      profile: name,
      reason: result === 'replaced' ? 'keys rotated' : `policy ${policy}`,
    });
    return result;
  }

  async remove(key: Buffer, name: string): Promise<void> {
    await this.vault.update(key, (data) => {
      if (!data.profiles[name]) throw new UnknownProfileError(name);
      delete data.profiles[name];
    });
    await this.audit.append({ event: 'remove', profile: name });
  }

  /** `anyCaller`: whether a prompt may offer "any caller for N minutes" (undefined keeps it). */
  async setPolicy(
    key: Buffer,
    name: string,
    policy: Policy,
    rememberMinutes: number | undefined,
    notify?: boolean,
    anyCaller?: boolean,
  ): Promise<ProfileRecord> {
    const now = this.vault.nowIso();
    const { result } = await this.vault.update(key, (data) => {
      const p = data.profiles[name];
      if (!p) throw new UnknownProfileError(name);
      p.policy = policy;
      if (rememberMinutes !== undefined) p.rememberMinutes = rememberMinutes;
      if (notify !== undefined) p.notify = notify;
      if (anyCaller !== undefined) p.anyCaller = anyCaller;
      p.updatedAt = now;
      return { ...p };
    });
    await this.audit.append({
      event: 'policy',
      profile: name,
      reason: `${policy}${policy === 'ask' && result.rememberMinutes ? `, remember ${result.rememberMinutes} min` : ''}${result.anyCaller ? ', any caller' : ''}${result.notify ? ', notify' : ''}`,
    });
    return result;
  }

  /**
   * Makes `name` take its credentials from a role or a command instead of stored keys. A new
   * profile gets the default policy for its name; an existing one keeps its policy.
   */
  async setSource(
    key: Buffer,
    name: string,
    source: RoleSource | CommandSource | SsoSource,
    replace = false,
  ): Promise<'added' | 'updated'> {
    const now = this.vault.nowIso();
    const { result } = await this.vault.update(key, (data) => {
      const old = data.profiles[name];
      if (old?.accessKeyId && !replace) {
        throw new UsageError(
          `profile "${name}" holds stored keys, which this would delete: pass --replace if you mean that, or give the ${source.kind} another profile name`,
        );
      }
      if (source.kind === 'role' && source.sourceProfile === name)
        throw new UsageError(`profile "${name}" cannot be its own source profile`);
      const record: ProfileRecord = {
        source,
        policy: old?.policy ?? defaultPolicy(name),
        rememberMinutes: old?.rememberMinutes ?? 0,
        createdAt: old?.createdAt ?? now,
        updatedAt: now,
        ...(old?.sts ? { sts: { ...old.sts, sessionMode: false } } : {}),
        ...(old?.lastUsedAt ? { lastUsedAt: old.lastUsedAt } : {}),
      };
      data.profiles[name] = checkRecord(name, record);
      checkRoleChaining([name], data.profiles);
      return old ? ('updated' as const) : ('added' as const);
    });
    await this.audit.append({ event: 'add', profile: name, reason: sourceText(source) });
    return result;
  }

  /** Changes a profile's STS settings (session mode, duration, MFA device, region, endpoint). */
  async setSts(key: Buffer, name: string, change: StsChange): Promise<StsSettings> {
    const now = this.vault.nowIso();
    const { result } = await this.vault.update(key, (data) => {
      const p = data.profiles[name];
      if (!p) throw new UnknownProfileError(name);
      const next: Record<string, unknown> = { ...(p.sts ?? { sessionMode: false, durationSeconds: 3600 }) };
      for (const [k, v] of Object.entries(change)) {
        if (v === null) delete next[k];
        else if (v !== undefined) next[k] = v;
      }
      if (next.sessionMode && (p.source || p.sessionToken)) {
        throw new UsageError(
          `session mode mints STS sessions over stored long-term keys; "${name}" ${p.source ? 'takes its credentials from a role or command' : 'holds session credentials already'}`,
        );
      }
      const updated = checkRecord(name, { ...p, sts: next, updatedAt: now });
      data.profiles[name] = updated;
      return updated.sts!;
    });
    await this.audit.append({
      event: 'policy',
      profile: name,
      reason: `sts: session mode ${result.sessionMode ? 'on' : 'off'}, ${result.durationSeconds} s${result.mfaSerial ? `, MFA ${result.mfaSerial}` : ''}${result.region ? `, ${result.region}` : ''}${result.endpoint ? `, endpoint ${result.endpoint}` : ''}`,
    });
    return result;
  }
}

function sourceText(source: RoleSource | CommandSource | SsoSource): string {
  if (source.kind === 'role') return `assumes ${source.roleArn} from ${source.sourceProfile}`;
  if (source.kind === 'sso')
    return `IAM Identity Center role ${source.roleName} in ${source.accountId} at ${source.startUrl}`;
  return 'credentials from a command';
}
