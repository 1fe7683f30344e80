import { Notification } from 'electron';
import type { AuditEntry } from '../core/audit-codec.ts';
import { displayText } from '../../common/display.ts';
import { verifiedProgram } from '../../common/caller-text.ts';

/** Who used the profile: the verified program where the kernel named it, else the claim, labelled. */
function accessBody(e: AuditEntry): string {
  if (e.verified) return `by ${verifiedProgram(e.verified, 120)} (verified), in ${displayText(e.verified.requester.cwd, 80)}`;
  return e.caller ? `by ${displayText(e.caller.command, 120)} (as claimed), in ${displayText(e.caller.cwd, 80)}` : 'by a caller that did not say who it is';
}

export interface AccessNotifierDeps {
  audit: { onAppended(listener: (entries: readonly AuditEntry[]) => void): () => void };
  /** The profiles whose `notify` is on; rejects while locked. */
  profiles: () => Promise<readonly { name: string; notify: boolean }[]>;
  /** The notifications setting, read for each access. */
  enabled: () => boolean;
  warn: (message: string) => void;
}

/**
 * A system notification for each access served without asking (`allow` policy, decision
 * `allowed`) of a profile set to notify. Names, verified callers and claims only, never a key. Returns the stop.
 */
export function startAccessNotifier(deps: AccessNotifierDeps): () => void {
  let stopped = false;
  const unsubscribe = deps.audit.onAppended((entries) => {
    const served = entries.filter((e) => e.event === 'access' && e.decision === 'allowed' && e.profile);
    if (served.length === 0 || !deps.enabled() || !Notification.isSupported()) return;
    void (async () => {
      let notify: Set<string>;
      try {
        notify = new Set((await deps.profiles()).filter((p) => p.notify).map((p) => p.name));
      } catch (error) {
        if (!stopped) deps.warn(`no access notification: ${(error as Error).message}`);
        return;
      }
      if (stopped) return;
      for (const e of served) {
        if (!notify.has(e.profile!)) continue;
        new Notification({
          title: `tray-cred: ${displayText(e.profile!, 64)} was used`,
          body: accessBody(e),
          silent: true,
        }).show();
      }
    })();
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}
