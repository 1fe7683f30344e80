import { AwsServiceError, KeyLimitError, UnknownProfileError, UpstreamError, UsageError } from '../errors.ts';
import type { AccessKeyInfo, AccessKeys, AwsCredentials, Clock, StsTarget } from '../ports/ports.ts';
import type { ProfileRecord } from '../profiles/profile.ts';
import type { RotationIntent } from '../profiles/rotation-intent.ts';
import type { Vault } from '../vault/vault.ts';
import { settled, type SettleOptions } from './key-settling.ts';

/** What a rotation (or the finishing of one cut off) did; key ids only, never a secret. */
export type RotationOutcome =
  | { kind: 'rotated'; oldKeyId: string; newKeyId: string }
  | { kind: 'finished'; oldKeyId: string; newKeyId: string; startedAt: string }
  | { kind: 'undone'; deleted: string[]; startedAt: string }
  | { kind: 'none' };

export interface KeyRotationDeps {
  vault: Vault;
  /** The master key, owned by the caller. */
  key: Buffer;
  keys: AccessKeys;
  clock: Clock;
  settle?: SettleOptions | undefined;
}

/** A key made by CreateAccessKey this long before the recorded start still counts as the rotation's own (clock skew). */
const SKEW_MS = 5 * 60_000;

const suffix = (id: string): string => `…${id.slice(-4)}`;

/** The profile's long-term keys, or why it cannot be rotated. */
function rotatable(name: string, p: ProfileRecord | undefined): AwsCredentials {
  if (!p) throw new UnknownProfileError(name);
  if (p.source)
    throw new UsageError(
      `profile "${name}" takes its credentials from ${p.source.kind === 'role' ? 'a role' : p.source.kind === 'command' ? 'a command' : 'another source'}, not stored keys: rotate the keys of its source instead`,
    );
  if (!p.accessKeyId || !p.secretAccessKey || p.sessionToken)
    throw new UsageError(
      `profile "${name}" holds temporary keys, which cannot be rotated: only long-term IAM user keys (AKIA...) can`,
    );
  return { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey };
}

const stsTarget = (p: ProfileRecord): StsTarget => ({
  region: p.sts?.region ?? 'us-east-1',
  endpoint: p.sts?.endpoint,
});

/**
 * `tray-cred rotate`: CreateAccessKey with the profile's key, the new key stored, proven with
 * GetCallerIdentity (retried while IAM settles), then put in place and the old one deleted
 * (aws-vault's rotate, made crash-safe). Before each remote call the next step is written to
 * the vault (rotation-intent.ts), so a crash leaves a working key stored and a record that
 * {@link KeyRotation.resume} finishes or undoes.
 */
export class KeyRotation {
  private readonly deps: KeyRotationDeps;

  constructor(deps: KeyRotationDeps) {
    this.deps = deps;
  }

  private async profile(name: string): Promise<ProfileRecord> {
    const p = (await this.deps.vault.read(this.deps.key)).data.profiles[name];
    rotatable(name, p);
    return p!;
  }

  /** Writes a change to the profile under the vault's lock. */
  private async save(name: string, change: (p: ProfileRecord) => void): Promise<void> {
    const now = this.deps.vault.nowIso();
    await this.deps.vault.update(this.deps.key, (data) => {
      const p = data.profiles[name];
      if (!p) throw new UnknownProfileError(name);
      change(p);
      p.updatedAt = now;
    });
  }

  private record(name: string, rotation: RotationIntent | undefined): Promise<void> {
    return this.save(name, (p) => {
      if (rotation) p.rotation = rotation;
      else delete p.rotation;
    });
  }

  /** Finishes or undoes a rotation that was cut off; `none` when there was none. */
  async resume(name: string): Promise<RotationOutcome> {
    const p = await this.profile(name);
    const intent = p.rotation;
    if (!intent) return { kind: 'none' };
    const current = rotatable(name, p);
    if (intent.step === 'creating') return this.undoCreating(name, current, intent.oldKeyId, intent.startedAt);
    if (intent.step === 'deleting') {
      await this.deleteOld(name, current, intent.oldKeyId);
      return {
        kind: 'finished',
        oldKeyId: intent.oldKeyId,
        newKeyId: current.accessKeyId,
        startedAt: intent.startedAt,
      };
    }
    const fresh = { accessKeyId: intent.newKeyId, secretAccessKey: intent.newSecret };
    if (!(await this.proven(fresh, stsTarget(p)))) {
      if ((await this.deps.keys.list(current)).some((k) => k.accessKeyId === intent.newKeyId)) {
        throw new UpstreamError(
          `the new key ${suffix(intent.newKeyId)} of "${name}" is not accepted by AWS yet; the vault still serves the old key: run \`tray-cred rotate ${name}\` again in a minute`,
        );
      }
      await this.record(name, undefined);
      return { kind: 'undone', deleted: [], startedAt: intent.startedAt };
    }
    await this.putInPlace(name, intent);
    await this.deleteOld(name, fresh, intent.oldKeyId);
    return { kind: 'finished', oldKeyId: intent.oldKeyId, newKeyId: intent.newKeyId, startedAt: intent.startedAt };
  }

  /** Rotates the profile's key; a rotation cut off earlier is finished instead (or undone, then a new one runs). */
  async rotate(name: string): Promise<{ earlier: RotationOutcome; now: RotationOutcome }> {
    const earlier = await this.resume(name);
    if (earlier.kind === 'finished') return { earlier, now: { kind: 'none' } };
    const p = await this.profile(name);
    const old = rotatable(name, p);
    this.refuseAtLimit(name, old.accessKeyId, await this.deps.keys.list(old));
    const startedAt = this.deps.vault.nowIso();
    await this.record(name, { step: 'creating', oldKeyId: old.accessKeyId, startedAt });
    const made = await this.deps.keys.create(old).catch(async (error: unknown) => {
      if (!(error instanceof AwsServiceError && error.awsCode === 'LimitExceeded')) throw error;
      const keys = await this.deps.keys.list(old);
      await this.record(name, undefined);
      this.refuseAtLimit(name, old.accessKeyId, keys);
      throw error;
    });
    const intent: RotationIntent = {
      step: 'verifying',
      oldKeyId: old.accessKeyId,
      startedAt,
      newKeyId: made.accessKeyId,
      newSecret: made.secretAccessKey,
      newCreatedAt: made.createDate,
    };
    await this.record(name, intent);
    if (!(await this.proven(made, stsTarget(p)))) {
      throw new UpstreamError(
        `the new key ${suffix(made.accessKeyId)} of "${name}" is not accepted by AWS yet; the vault still serves the old key: run \`tray-cred rotate ${name}\` again in a minute to finish`,
      );
    }
    await this.putInPlace(name, intent);
    await this.deleteOld(name, made, old.accessKeyId);
    return { earlier, now: { kind: 'rotated', oldKeyId: old.accessKeyId, newKeyId: made.accessKeyId } };
  }

  private refuseAtLimit(name: string, current: string, keys: AccessKeyInfo[]): void {
    const extra = keys.find((k) => k.accessKeyId !== current);
    if (!extra) return;
    throw new KeyLimitError(
      `the IAM user of "${name}" already has a second access key, ${extra.accessKeyId} (${extra.status}, created ${extra.createDate}), and IAM allows two: if nothing uses it, delete it (\`aws iam delete-access-key --access-key-id ${extra.accessKeyId}\`), then run \`tray-cred rotate ${name}\` again`,
    );
  }

  /** GetCallerIdentity with the key until AWS accepts it, within the settle bound. */
  private proven(keys: AwsCredentials, target: StsTarget): Promise<boolean> {
    return settled(() => this.deps.keys.whoAmI(keys, target), this.deps.clock, this.deps.settle);
  }

  private putInPlace(name: string, intent: Extract<RotationIntent, { step: 'verifying' }>): Promise<void> {
    return this.save(name, (p) => {
      p.accessKeyId = intent.newKeyId;
      p.secretAccessKey = intent.newSecret;
      p.keyCreatedAt = intent.newCreatedAt;
      p.rotation = { step: 'deleting', oldKeyId: intent.oldKeyId, startedAt: intent.startedAt };
    });
  }

  private async deleteOld(name: string, current: AwsCredentials, oldKeyId: string): Promise<void> {
    if (oldKeyId !== current.accessKeyId) {
      // The new key may still be settling in IAM too; a key already gone is what we wanted.
      await settled(() => this.deps.keys.delete(current, oldKeyId).catch(gone), this.deps.clock, this.deps.settle).then(
        (ok) => {
          if (!ok)
            throw new UpstreamError(
              `AWS does not accept the new key of "${name}" for DeleteAccessKey yet; it is stored and works: run \`tray-cred rotate ${name}\` again in a minute to delete the old one`,
            );
        },
      );
    }
    await this.record(name, undefined);
  }

  /** CreateAccessKey may have run, but its secret never reached the vault: what it made is deleted. */
  private async undoCreating(
    name: string,
    current: AwsCredentials,
    oldKeyId: string,
    startedAt: string,
  ): Promise<RotationOutcome> {
    const since = Date.parse(startedAt) - SKEW_MS;
    const orphans = (await this.deps.keys.list(current)).filter(
      (k) => k.accessKeyId !== oldKeyId && Date.parse(k.createDate) >= since,
    );
    for (const k of orphans) await this.deps.keys.delete(current, k.accessKeyId).catch(gone);
    await this.record(name, undefined);
    return { kind: 'undone', deleted: orphans.map((k) => k.accessKeyId), startedAt };
  }
}

function gone(error: unknown): void {
  if (error instanceof AwsServiceError && error.awsCode === 'NoSuchEntity') return;
  throw error;
}
