import { shell } from 'electron';
import type { AgentRuntime } from '../../node/agent/agent-runtime.ts';
import type { IdentityCenter } from '../../core/ports/ports.ts';
import { signInAndStore } from '../../node/aws/sso-sign-in.ts';

/**
 * The tray's "SSO sign-in needed" items: which Identity Center profiles need a sign-in, and one
 * click that opens the browser at the device sign-in and stores the tokens in the vault.
 */
export function ssoTray(
  runtime: Pick<AgentRuntime, 'broker' | 'vault' | 'audit' | 'clock'> & { identityCenter: IdentityCenter },
): { signInNeeded: () => Promise<readonly string[]>; signIn: (profile: string) => Promise<void> } {
  const { broker } = runtime;
  return {
    async signInNeeded() {
      const now = runtime.clock.now();
      return (await broker.profiles())
        .filter((s) => s.kind === 'sso' && !(s.ssoSignedInUntil !== undefined && Date.parse(s.ssoSignedInUntil) > now))
        .map((s) => s.name);
    },
    async signIn(profile) {
      const deps = {
        vault: runtime.vault,
        withKey: <T>(fn: (key: Buffer) => Promise<T>) => broker.withKey(fn),
        audit: runtime.audit,
        center: runtime.identityCenter,
        clock: runtime.clock,
      };
      await signInAndStore(deps, profile, async (a) => {
        await shell.openExternal(a.verificationUriComplete ?? a.verificationUri);
      });
      // What was cached under the old sign-in goes; the next request uses the new tokens.
      await broker.forget(profile, undefined);
    },
  };
}
