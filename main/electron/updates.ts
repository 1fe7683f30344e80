import { Notification } from 'electron';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppUpdater, UpdateDownloadedEvent } from 'electron-updater';
import type { Clock } from '../core/ports/ports.ts';

/** How often the update feed is read after the first check at start. */
export const UPDATE_CHECK_MS = 6 * 60 * 60 * 1000;

export interface UpdateCheckDeps {
  /** electron-updater's `autoUpdater` for this platform, configured from the packaged app-update.yml (electron-builder's `publish`). */
  updater: AppUpdater;
  /**
   * The app was installed by the system's package manager (the .deb; {@link installedByPackage}):
   * the feed is only read, to say that a new version exists. electron-updater's DebUpdater would
   * install it itself with `pkexec dpkg -i`, behind dpkg's and apt's back.
   */
  packaged: boolean;
  clock: Clock;
  warn: (message: string) => void;
}

/**
 * Signed updates from the release feed: checked at start and every six hours, downloaded in the
 * background and installed when the app quits. electron-updater refuses a download whose SHA-512
 * differs from the feed's metadata; on Windows it also checks the installer's Authenticode
 * signature against the publisher names in app-update.yml, and on macOS Squirrel.Mac takes only
 * an update signed by the same Developer ID. No downgrades, no pre-releases.
 */
export function startUpdateChecks(deps: UpdateCheckDeps): { check(): Promise<void>; stop(): void } {
  const { updater, clock, warn, packaged } = deps;
  updater.autoDownload = !packaged;
  updater.autoInstallOnAppQuit = !packaged;
  updater.allowDowngrade = false;
  updater.allowPrerelease = false;
  updater.logger = null;
  const onDownloaded = (info: UpdateDownloadedEvent): void => {
    if (!Notification.isSupported()) return;
    new Notification({
      title: `tray-cred ${info.version} is ready`,
      body: 'It is installed when you quit tray-cred.',
    }).show();
  };
  const onAvailable = (info: { version: string }): void => {
    if (!packaged || !Notification.isSupported()) return;
    new Notification({
      title: `tray-cred ${info.version} is available`,
      body: 'Install the new .deb with your package manager: sudo apt install ./tray-cred_<version>_<arch>.deb',
    }).show();
  };
  // electron-updater both emits 'error' and rejects with the same error: said once.
  const said = new WeakSet<object>();
  const onError = (error: Error): void => {
    if (said.has(error)) return;
    said.add(error);
    warn(`update check failed: ${error.message.split('\n')[0] ?? ''}`);
  };
  updater.on('update-downloaded', onDownloaded);
  updater.on('update-available', onAvailable);
  updater.on('error', onError);
  let cancel: (() => void) | undefined;
  const check = async (): Promise<void> => {
    try {
      const result = await updater.checkForUpdates();
      await result?.downloadPromise;
    } catch (error) {
      onError(error as Error);
    }
  };
  const schedule = (): void => {
    cancel = clock.setTimer(UPDATE_CHECK_MS, () => {
      void check();
      schedule();
    });
  };
  void check();
  schedule();
  return {
    check,
    stop() {
      cancel?.();
      updater.removeListener('update-downloaded', onDownloaded);
      updater.removeListener('update-available', onAvailable);
      updater.removeListener('error', onError);
    },
  };
}

/**
 * Whether the package manager installed the app: electron-builder writes `package-type` (`deb`)
 * into a deb's resources, which is how electron-updater picks its DebUpdater (out/main.js).
 */
export function installedByPackage(resourcesPath: string): boolean {
  try {
    return readFileSync(join(resourcesPath, 'package-type'), 'utf8').trim() === 'deb';
  } catch {
    return false;
  }
}
