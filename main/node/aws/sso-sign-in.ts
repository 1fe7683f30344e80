import type { AuditLog } from '../../core/audit/audit-log.ts';
import { UsageError } from '../../core/errors.ts';
import type { Clock, DeviceAuthorization, IdentityCenter } from '../../core/ports/ports.ts';
import { deviceSignIn } from '../../core/aws/sso-login.ts';
import type { SsoToken } from '../../core/profiles/sso-schema.ts';
import type { Vault } from '../../core/vault/vault.ts';

export interface SsoSignInDeps {
  vault: Vault;
  /** Runs `fn` with the master key (the CLI reads it from the keychain, the app from the unlocked agent). */
  withKey: <T>(fn: (key: Buffer) => Promise<T>) => Promise<T>;
  audit: AuditLog;
  center: IdentityCenter;
  clock: Clock;
}

/**
 * Signs profile `name` in to IAM Identity Center by device authorization (`show` tells the
 * person where to confirm) and stores the tokens in the vault, the only place they are written;
 * the CLI's `sso login` and the tray's "Sign in" share it.
 */
export async function signInAndStore(
  deps: SsoSignInDeps,
  name: string,
  show: (a: DeviceAuthorization) => void | Promise<void>,
): Promise<SsoToken> {
  const p = await deps.withKey(async (key) => (await deps.vault.read(key)).data.profiles[name]);
  if (p?.source?.kind !== 'sso')
    throw new UsageError(`profile "${name}" does not sign in with IAM Identity Center: see \`tray-cred list\``);
  const { startUrl } = p.source;
  const token = await deviceSignIn(deps.center, deps.clock, name, p.source, show);
  await deps.withKey((key) =>
    deps.vault.update(key, (data) => {
      const q = data.profiles[name];
      if (q?.source?.kind !== 'sso' || q.source.startUrl !== startUrl)
        throw new UsageError(`profile "${name}" was changed while signing in: sign in again`);
      q.ssoToken = token;
      q.updatedAt = deps.vault.nowIso();
    }),
  );
  await deps.audit.append({ event: 'sso', profile: name, reason: `signed in at ${startUrl}` });
  return token;
}
