import { app } from 'electron';
import Store from 'electron-store';
import { SETTINGS_DEFAULTS, settingsFileOptions, type Settings } from '../core/settings.ts';
import { setAutostart } from '../node/platform/xdg-autostart.ts';

/** Where the settings apply: the OS, its environment (XDG_CONFIG_HOME, APPIMAGE) and the log. */
export interface SettingsHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  warn: (message: string) => void;
}

/** What the app remembers of the OS's start at login: the value last applied to it or read from it. */
interface LoginItemMemory {
  synced: boolean;
}

/**
 * The tray app's settings in `settings.json` (electron-store over conf, validated by the core's
 * schema): the same file, schema and mode as `tray-cred settings` and the headless agent
 * (main/node/platform/settings-file.ts). Start at login is the OS's own setting too: a change,
 * made here or in the file by `tray-cred settings startAtLogin`, is applied to it, and the value
 * applied is remembered in `login-item.json`, so a change made while the app was not running is
 * told apart, at the next start, from one the user made in the OS.
 */
export class AppSettings {
  private readonly store: Store<Settings>;
  private readonly loginItem: Store<LoginItemMemory>;
  private readonly host: SettingsHost;
  private applying: Promise<void> = Promise.resolve();
  private readonly unwatch: () => void;

  /** `dir`: the data directory (already private), where ARCHITECTURE.md puts settings.json beside the vault. */
  constructor(dir: string, host: SettingsHost) {
    // watch: `tray-cred settings idleLockMinutes 15` from a terminal reaches the running tray (onChange fires).
    this.store = new Store<Settings>({
      name: 'settings',
      cwd: dir,
      ...settingsFileOptions(),
      watch: true,
    });
    // Off until the app applies or reads a value: nothing of ours is in the OS before.
    this.loginItem = new Store<LoginItemMemory>({
      name: 'login-item',
      cwd: dir,
      defaults: { synced: SETTINGS_DEFAULTS.startAtLogin },
      configFileMode: 0o600,
    });
    this.host = host;
    this.unwatch = this.store.onDidChange('startAtLogin', (on) => {
      if (on !== undefined && on !== this.loginItem.get('synced')) void this.applyStartAtLogin(on);
    });
  }

  get<K extends keyof Settings>(key: K): Settings[K] {
    return this.store.get(key);
  }

  /** Stores a setting; start at login is applied to the OS too (by the change listener). */
  set<K extends keyof Settings>(key: K, value: Settings[K]): void {
    this.store.set(key, value);
  }

  /**
   * At start. A setting changed since the app last applied it (`tray-cred settings startAtLogin`
   * while the app was not running) is applied. Otherwise, on macOS and Windows the OS's login item
   * is the truth (the user may have added or removed it in System Settings; macOS 13+ reports
   * `requires-approval` as not yet on), so the setting adopts it and nothing is written; on Linux
   * the autostart entry is ours: written again when on, because an AppImage may have moved.
   */
  async syncStartAtLogin(): Promise<void> {
    const wanted = this.store.get('startAtLogin');
    if (wanted !== this.loginItem.get('synced')) return this.applyStartAtLogin(wanted);
    const { platform } = this.host;
    if (platform === 'darwin' || platform === 'win32') {
      const os = app.getLoginItemSettings();
      const status: string | undefined = os.status;
      this.adoptStartAtLogin(platform === 'darwin' && status !== undefined ? status === 'enabled' : os.openAtLogin);
    } else if (platform === 'linux' && wanted) await this.applyStartAtLogin(true);
  }

  /** Called after any setting changes, here or in the file (another process). */
  onChange(listener: () => void): () => void {
    return this.store.onDidAnyChange(() => listener());
  }

  /** Stops watching the file. */
  close(): void {
    this.unwatch();
    this.store._closeWatcher();
  }

  /** Stores the value the OS holds, remembered as applied, so that it is not applied again. */
  private adoptStartAtLogin(on: boolean): void {
    this.loginItem.set('synced', on);
    if (this.store.get('startAtLogin') !== on) this.store.set('startAtLogin', on);
  }

  /** Applies `on` to the OS after any change still being applied, and remembers it as applied. */
  private applyStartAtLogin(on: boolean): Promise<void> {
    this.loginItem.set('synced', on);
    const { platform, env, warn } = this.host;
    this.applying = this.applying
      .then(() => applyStartAtLogin(on, platform, env))
      .catch((error: unknown) => warn(`could not change start at login: ${(error as Error).message}`));
    return this.applying;
  }
}

/** Login items on macOS and Windows; on Linux, where Electron has none, an XDG autostart entry. */
async function applyStartAtLogin(
  on: boolean,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (platform === 'darwin' || platform === 'win32') {
    app.setLoginItemSettings({ openAtLogin: on });
  } else if (platform === 'linux') {
    // An AppImage is mounted afresh at each start: the entry must run the image, not its mount.
    const argv = env.APPIMAGE ? [env.APPIMAGE] : [process.execPath, ...(app.isPackaged ? [] : [app.getAppPath()])];
    await setAutostart(on, argv, { env });
  }
}

export function canStartAtLogin(platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'darwin' || platform === 'win32' || platform === 'linux';
}
