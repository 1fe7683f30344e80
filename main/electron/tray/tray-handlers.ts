import type { IdleLockMinutes, Settings } from '../../core/settings.ts';
import type { TrayHandlers } from './tray-menu.ts';
import type { PageKind } from '../windows.ts';
import type { TrayProfileActions } from './tray-profile-actions.ts';

export interface TrayHandlerDeps {
  broker: { lock(reason: string): Promise<unknown> };
  settings: { set<K extends keyof Settings>(key: K, value: Settings[K]): void };
  windows: { show(kind: PageKind): unknown };
  approvals: { show(): void };
  unlock: () => Promise<unknown>;
  installHelper: () => Promise<unknown>;
  /** The Identity Center sign-in of a profile (opens the browser). */
  signIn?: ((profile: string) => Promise<unknown>) | undefined;
  /** The "Use a profile" submenu's actions (tray-profile-actions.ts); each reports its own outcome. */
  profileActions?: TrayProfileActions | undefined;
  quit: () => void;
  warn: (message: string) => void;
}

/** What each tray menu item does, as calls into the broker, the settings and the windows. */
export function trayHandlers(deps: TrayHandlerDeps): TrayHandlers {
  // A menu click has nobody to return an error to: it goes to the log.
  const run = (what: string, task: () => Promise<unknown>) => (): void => {
    task().catch((error: unknown) => deps.warn(`${what} failed: ${(error as Error)?.message ?? String(error)}`));
  };
  return {
    unlock: run('unlock', deps.unlock),
    lock: run('lock', () => deps.broker.lock('locked from the tray menu')),
    openHistory: () => void deps.windows.show('history'),
    openProfiles: () => void deps.windows.show('profiles'),
    showApproval: () => deps.approvals.show(),
    setIdleLock: (minutes: IdleLockMinutes) => deps.settings.set('idleLockMinutes', minutes),
    setUnlockOnRequest: (on) => deps.settings.set('unlockOnRequest', on),
    setStartAtLogin: (on) => deps.settings.set('startAtLogin', on),
    setNotifications: (on) => deps.settings.set('notifications', on),
    setTouchId: (on) => deps.settings.set('touchId', on),
    installHelper: run('install helper', deps.installHelper),
    signIn: (profile) => run(`the sign-in of "${profile}"`, () => deps.signIn?.(profile) ?? Promise.resolve())(),
    copyExport: (profile) => void deps.profileActions?.copyExport(profile),
    openConsole: (profile) => void deps.profileActions?.openConsole(profile),
    openTerminal: (profile) => void deps.profileActions?.openTerminal(profile),
    rotateNow: (profile) => void deps.profileActions?.rotateNow(profile),
    quit: deps.quit,
  };
}
