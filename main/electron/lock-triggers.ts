import { powerMonitor } from 'electron';
import type { Clock } from '../core/ports/ports.ts';

/** How often the system idle time is read: a lock comes at most this late. */
export const IDLE_POLL_MS = 30_000;

export interface LockTriggerDeps {
  lock(reason: string): void;
  isLocked(): boolean;
  /** The idle-lock setting, read at each poll so a change applies without restarting; 0 is off. */
  idleLockMinutes(): number;
  clock: Clock;
  /**
   * The desktop's own screen-lock signals (Linux: the ScreenSaver ActiveChanged and logind Lock
   * on D-Bus, main/node/platform/desktop-bus.ts), where Electron's `lock-screen` never fires.
   */
  screenLocks?:
    | {
        onScreenLock(listener: (source: string) => void): Promise<() => void>;
        /** The desktop's own idle time (GNOME Shell's), where Electron's reads 0 (Wayland). */
        idleSeconds?(): Promise<number | undefined>;
      }
    | undefined;
  /** A Linux Wayland session: Electron's idle time (and so its idle state) reads 0 there (electron/electron#34826). */
  wayland?: boolean;
  warn?: (message: string) => void;
}

/**
 * Locks on system suspend and screen lock, and after the set idle minutes. The idle time is the
 * desktop's own where it tells it (GNOME Shell, on D-Bus), else Electron's; Electron's idle state
 * is computed from that same time (Chromium's ui::CalculateIdleState), so it adds only "locked".
 * Under Wayland Electron's time reads 0: with no desktop to ask, the idle lock cannot work, and
 * the log says so once. Returns the handle to re-read the idle setting (no timer runs while it is
 * off) and to stop everything.
 */
export function startLockTriggers(deps: LockTriggerDeps): { reschedule(): void; stop(): void } {
  const onSuspend = (): void => deps.lock('system suspend');
  const onLockScreen = (): void => deps.lock('screen locked');
  powerMonitor.on('suspend', onSuspend);
  powerMonitor.on('lock-screen', onLockScreen);
  let stopped = false;
  let stopBus: (() => void) | undefined;
  deps.screenLocks
    ?.onScreenLock(() => onLockScreen())
    .then((stop) => (stopped ? stop() : (stopBus = stop)))
    .catch((error: unknown) =>
      deps.warn?.(
        `cannot hear the desktop's screen lock on D-Bus (${(error as Error).message}); the idle lock still works`,
      ),
    );
  let cancel: (() => void) | undefined;
  let toldBlind = false;
  const idleSeconds = async (): Promise<number> => {
    const desktop = await deps.screenLocks?.idleSeconds?.().catch(() => undefined);
    if (desktop !== undefined) return desktop;
    if (deps.wayland && !toldBlind) {
      toldBlind = true;
      deps.warn?.(
        'this Wayland desktop does not tell the idle time (Electron reads 0 there, and GNOME Shell did not answer), so "Lock after idle" cannot lock: the screen lock and suspend still lock tray-cred',
      );
    }
    return powerMonitor.getSystemIdleTime();
  };
  const poll = async (minutes: number): Promise<void> => {
    if (deps.isLocked()) return;
    if (powerMonitor.getSystemIdleState(minutes * 60) === 'locked') return deps.lock('screen locked');
    if ((await idleSeconds()) >= minutes * 60 && !stopped && !deps.isLocked()) deps.lock(`idle for ${minutes} min`);
  };
  const schedule = (): void => {
    cancel?.();
    cancel = undefined;
    const minutes = deps.idleLockMinutes();
    if (minutes <= 0) return;
    cancel = deps.clock.setTimer(IDLE_POLL_MS, () => {
      cancel = undefined;
      poll(minutes).catch((error: unknown) => deps.warn?.(`the idle check failed: ${(error as Error).message}`));
      schedule();
    });
  };
  schedule();
  return {
    reschedule: schedule,
    stop() {
      stopped = true;
      stopBus?.();
      cancel?.();
      cancel = undefined;
      powerMonitor.removeListener('suspend', onSuspend);
      powerMonitor.removeListener('lock-screen', onLockScreen);
    },
  };
}
