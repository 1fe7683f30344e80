import type { AuditLog } from './audit-log.ts';
import { UnknownProfileError, UsageError } from './errors.ts';
import { defaultPolicy, type NewCredentials, type Policy, type ProfileRecord } from './profile.ts';
import type { Vault } from './vault.ts';

/** The vault operations behind `tray-cred` commands and the Profiles window. Each one is audited. */
export class ProfileAdmin {
  private readonly vault: Vault;
  private readonly audit: AuditLog;

  constructor(vault: Vault, audit: AuditLog) {
    this.vault = vault;
    this.audit = audit;
  }

  private record(c: NewCredentials, policy: Policy, now: string, old?: ProfileRecord): ProfileRecord {
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
    return r;
  }

  /**
   * Adds profiles; one that exists is kept unless `replace` (its policy stays). New profiles get
   * {@link defaultPolicy}: `ask` when the name contains "prod".
   */
  async import(key: Buffer, profiles: Map<string, NewCredentials>, options: { replace: boolean; source: string }): Promise<{ added: string[]; replaced: string[]; skipped: string[] }> {
    const now = this.vault.nowIso();
    const { result } = await this.vault.update(key, (data) => {
      const out = { added: [] as string[], replaced: [] as string[], skipped: [] as string[] };
      for (const [name, c] of profiles) {
        const old = data.profiles[name];
        if (old && !options.replace) {
          out.skipped.push(name);
          continue;
        }
        data.profiles[name] = this.record(c, defaultPolicy(name), now, old);
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

  /** Adds one profile, or rotates its keys when `replace`. */
  async add(key: Buffer, name: string, c: NewCredentials, replace: boolean): Promise<'added' | 'replaced'> {
    const now = this.vault.nowIso();
    const { result } = await this.vault.update(key, (data) => {
      const old = data.profiles[name];
      if (old && !replace) throw new UsageError(`profile "${name}" exists already: pass --replace to rotate its keys`);
      data.profiles[name] = this.record(c, defaultPolicy(name), now, old);
      return old ? ('replaced' as const) : ('added' as const);
    });
    await this.audit.append({ event: 'add', profile: name, reason: result === 'replaced' ? 'keys rotated' : `policy ${defaultPolicy(name)}` });
    return result;
  }

  async remove(key: Buffer, name: string): Promise<void> {
    await this.vault.update(key, (data) => {
      if (!data.profiles[name]) throw new UnknownProfileError(name);
      delete data.profiles[name];
    });
    await this.audit.append({ event: 'remove', profile: name });
  }

  async setPolicy(key: Buffer, name: string, policy: Policy, rememberMinutes: number | undefined): Promise<ProfileRecord> {
    const now = this.vault.nowIso();
    const { result } = await this.vault.update(key, (data) => {
      const p = data.profiles[name];
      if (!p) throw new UnknownProfileError(name);
      p.policy = policy;
      if (rememberMinutes !== undefined) p.rememberMinutes = rememberMinutes;
      p.updatedAt = now;
      return { ...p };
    });
    await this.audit.append({ event: 'policy', profile: name, reason: `${policy}${result.rememberMinutes ? `, remember ${result.rememberMinutes} min` : ''}` });
    return result;
  }
}
