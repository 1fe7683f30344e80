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
  screenLocks?: { onScreenLock(listener: (source: string) => void): Promise<() => void> } | undefined;
  warn?: (message: string) => void;
}

/**
 * Locks on system suspend and screen lock, and after the set idle minutes. The idle poll asks
 * both the idle time and the idle state (the time is reported to read 0 under Wayland; a locked
 * state also locks). Returns the handle to re-read the idle setting (no timer runs while it is
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
  const schedule = (): void => {
    cancel?.();
    cancel = undefined;
    const minutes = deps.idleLockMinutes();
    if (minutes <= 0) return;
    cancel = deps.clock.setTimer(IDLE_POLL_MS, () => {
      cancel = undefined;
      if (!deps.isLocked()) {
        const state = powerMonitor.getSystemIdleState(minutes * 60);
        if (state === 'locked') deps.lock('screen locked');
        else if (state === 'idle' || powerMonitor.getSystemIdleTime() >= minutes * 60)
          deps.lock(`idle for ${minutes} min`);
      }
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
