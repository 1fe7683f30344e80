import Conf from 'conf';
import { settingsFileOptions, type Settings } from '../../core/settings.ts';

/**
 * `settings.json` in the data directory through `conf`, the same file and schema the tray app
 * keeps with electron-store, so `tray-cred settings` and the headless agent see what the tray set.
 * 0600 like every file tray-cred writes, whatever the umask; conf reads the file on each `get`,
 * so a change made by the other process applies to the next request. The caller makes the data
 * directory private first (conf would create it with the umask's mode).
 */
export function openSettings(dataDir: string): Conf<Settings> {
  return new Conf<Settings>({
    cwd: dataDir,
    configName: 'settings',
    ...settingsFileOptions(),
  });
}
