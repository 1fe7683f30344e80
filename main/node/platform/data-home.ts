import { lstatSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { EnvironmentError } from '../../core/errors.ts';

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/**
 * The data directory (TRAY_CRED_HOME or the platform default) resolved and checked like the
 * socket's directory: the real directory must be yours and closed to others. A symbolic link is
 * followed only when the link itself is yours and leads to such a directory (a dotfiles checkout
 * linked into place); a link someone else planted, or one into a directory that is not yours or
 * is open to others, is refused. Returns the real path, so every later check and write happens
 * there and a link swapped afterwards cannot redirect them. A directory that does not exist yet
 * is returned as it is: `init` creates it private.
 */
export function resolveDataHome(dir: string, uid: number | undefined, setting = 'TRAY_CRED_HOME'): string {
  if (process.platform === 'win32' || uid === undefined) return dir;
  let link;
  try {
    link = lstatSync(dir);
  } catch (error) {
    if (isMissing(error)) return dir;
    throw error;
  }
  if (link.isSymbolicLink() && link.uid !== uid) {
    throw new EnvironmentError(
      `${dir} is a symbolic link made by uid ${link.uid}, not by you (uid ${uid}): tray-cred will not follow it; point ${setting} at a directory of your own`,
    );
  }
  const real = link.isSymbolicLink() ? realpathSync(dir) : dir;
  const s = real === dir ? link : statSync(real);
  const where = real === dir ? dir : `${dir} (a link to ${real})`;
  if (!s.isDirectory())
    throw new EnvironmentError(`${where} is not a directory: point ${setting} at a directory of your own`);
  if (s.uid !== uid)
    throw new EnvironmentError(
      `${where} belongs to uid ${s.uid}, not to you (uid ${uid}): tray-cred will not keep secrets there; point ${setting} at a directory of your own`,
    );
  if ((s.mode & 0o077) !== 0)
    throw new EnvironmentError(
      `${where} can be opened by other users (mode ${(s.mode & 0o777).toString(8)}): run \`chmod 700 ${real}\` and retry`,
    );
  return real;
}

/** What the tray's data folder setting names (settings.json `dataDir`), checked as TRAY_CRED_HOME is; the default when it is empty. */
export function dataHomeSetting(setting: string, standard: string, uid: number | undefined): string {
  if (!setting) return standard;
  const name = 'the data folder setting (`dataDir` in settings.json)';
  // A relative path would depend on the directory the app happened to start in.
  if (!isAbsolute(setting))
    throw new EnvironmentError(
      `${setting} is not a full path: point ${name} at a directory of your own, by its full path`,
    );
  return resolveDataHome(setting, uid, name);
}
