import { Notification } from 'electron';
import type { AuditEntry } from '../core/audit/audit-codec.ts';
import { verifiedExe } from '../core/audit/audit-extras.ts';
import { displayText } from '../../common/display.ts';
import { verifiedProgram } from '../../common/caller-text.ts';

/** Who used the profile: the verified program where the kernel named it, else the claim, labelled. */
function accessBody(e: AuditEntry): string {
  if (e.verified)
    return `by ${verifiedProgram(e.verified, 120)} (verified), in ${displayText(e.verified.requester.cwd, 80)}`;
  return e.caller
    ? `by ${displayText(e.caller.command, 120)} (as claimed), in ${displayText(e.caller.cwd, 80)}`
    : 'by a caller that did not say who it is';
}

export interface AccessNotifierDeps {
  audit: { onAppended(listener: (entries: readonly AuditEntry[]) => void): () => void };
  /** The profiles whose `notify` is on; rejects while locked. */
  profiles: () => Promise<readonly { name: string; notify: boolean }[]>;
  /** The notifications setting, read for each access. */
  enabled: () => boolean;
  warn: (message: string) => void;
  /** Whether entry `seq` is its verified program's first use of the profile in 90 days (the history index's mark). */
  firstUse?: (seq: number) => Promise<boolean>;
}

/** The notification's body: the first use called out first, then who asked. */
async function bodyOf(e: AuditEntry, firstUse: AccessNotifierDeps['firstUse']): Promise<string> {
  const claim = accessBody(e);
  const exe = verifiedExe(e);
  if (exe === undefined || !firstUse || !(await firstUse(e.seq))) return claim;
  return `First time ${displayText(exe, 120)} asks for ${displayText(e.profile ?? '', 64)}. ${claim}`;
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
        let body: string;
        try {
          body = await bodyOf(e, deps.firstUse);
        } catch (error) {
          deps.warn(`the access notification could not read the history: ${(error as Error).message}`);
          body = await bodyOf(e, undefined);
        }
        if (!stopped)
          new Notification({ title: `tray-cred: ${displayText(e.profile!, 64)} was used`, body, silent: true }).show();
      }
    })();
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}
