import { app, powerMonitor, type Event } from 'electron';

export interface StopAtQuitDeps {
  /** Writes the history index's sealed snapshot (never fails: without a key or a place it writes nothing). */
  saveSnapshot: () => Promise<void>;
  /** Stops the agent: closes the socket, wipes the keys, records the stop in the audit log. */
  stop: (reason: string) => Promise<void>;
  /** Closes the tray, the windows and what watches the desktop. */
  closeUi: () => unknown;
  warn: (message: string) => void;
}

/**
 * Holds every quit back until the agent has stopped and recorded it, then quits for real. Electron
 * (docs/api/app.md, shell/browser/browser.cc): `before-quit` comes first and a listener may prevent
 * it; the windows are closed after it, then `will-quit` and `quit`, and the process ends.
 *
 * Logout and shutdown on Linux and macOS come as `powerMonitor` `shutdown`
 * (docs/api/power-monitor.md): unless it is prevented, Electron lets logind's delay lock go on
 * Linux and the session ends the process before the stop is written. So it is prevented, and the
 * app quits at once, which stops the agent as above; logind waits up to its InhibitDelayMaxSec
 * (5 s by default). Windows says so only to an open window (`session-end`): docs/platforms.md.
 */
export function stopAtQuit(deps: StopAtQuitDeps): void {
  let stopping = false;
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    deps.closeUi();
    void deps
      .saveSnapshot()
      .then(() => deps.stop('quit from the tray'))
      .catch((error: unknown) => deps.warn(`stopped, but could not record it: ${(error as Error).message}`))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });
  // Electron 45's electron.d.ts types this listener without its event (electron/electron#44594), but
  // Emit passes one (shell/common/gin_helper/event_emitter.h), and preventDefault is what holds the shutdown.
  powerMonitor.on('shutdown', (...args: unknown[]) => {
    (args[0] as Event).preventDefault();
    app.quit();
  });
}
