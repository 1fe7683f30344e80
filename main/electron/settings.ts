import { app } from 'electron';
import Store from 'electron-store';
import { settingsFileOptions, type Settings } from '../core/settings.ts';
import { setAutostart } from '../node/platform/xdg-autostart.ts';

/** Where the settings apply: the OS, its environment (XDG_CONFIG_HOME, APPIMAGE) and the log. */
export interface SettingsHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  warn: (message: string) => void;
}

/**
 * The tray app's settings in `settings.json` (electron-store over conf, validated by the core's
 * schema): the same file, schema and mode as `tray-cred settings` and the headless agent
 * (main/node/platform/settings-file.ts). Start at login is the OS's own setting too, so storing it applies it.
 */
export class AppSettings {
  private readonly store: Store<Settings>;
  private readonly host: SettingsHost;

  /** `dir`: the data directory (already private), where ARCHITECTURE.md puts settings.json beside the vault. */
  constructor(dir: string, host: SettingsHost) {
    // watch: `tray-cred settings idleLockMinutes 15` from a terminal reaches the running tray (onChange fires).
    this.store = new Store<Settings>({
      name: 'settings',
      cwd: dir,
      ...settingsFileOptions(),
      watch: true,
    });
    this.host = host;
  }

  get<K extends keyof Settings>(key: K): Settings[K] {
    return this.store.get(key);
  }

  set<K extends keyof Settings>(key: K, value: Settings[K]): void {
    this.store.set(key, value);
    if (key === 'startAtLogin') {
      const { platform, env, warn } = this.host;
      applyStartAtLogin(value as boolean, platform, env).catch((error: unknown) =>
        warn(`could not change start at login: ${(error as Error).message}`),
      );
    }
  }

  /** Stores a value the OS already holds, without applying it again. */
  adopt<K extends keyof Settings>(key: K, value: Settings[K]): void {
    if (this.store.get(key) !== value) this.store.set(key, value);
  }

  /** Called after any setting changes, here or in the file (another process). */
  onChange(listener: () => void): () => void {
    return this.store.onDidAnyChange(() => listener());
  }

  /** Stops watching the file. */
  close(): void {
    this.store._closeWatcher();
  }
}

/**
 * At start: on macOS and Windows the OS's login item is the truth (the user may have added or
 * removed it in System Settings; macOS 13+ reports `requires-approval` as not yet on), so the
 * setting adopts it and nothing is written. On Linux the autostart entry is ours: written again
 * when on, because an AppImage may have moved.
 */
export async function syncStartAtLogin(
  settings: Pick<AppSettings, 'get' | 'adopt'>,
  host: Pick<SettingsHost, 'platform' | 'env'>,
): Promise<void> {
  if (host.platform === 'darwin' || host.platform === 'win32') {
    const os = app.getLoginItemSettings();
    const status: string | undefined = os.status;
    settings.adopt(
      'startAtLogin',
      host.platform === 'darwin' && status !== undefined ? status === 'enabled' : os.openAtLogin,
    );
  } else if (host.platform === 'linux' && settings.get('startAtLogin')) {
    await applyStartAtLogin(true, host.platform, host.env);
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
