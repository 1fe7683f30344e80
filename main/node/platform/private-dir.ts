/**
 * The data and socket directories' guard, apart from the FileSystem adapter: the socket server
 * checks its directory, and the tray app makes its data directory before anything else opens
 * it (electron-store would create it with the umask's mode), both without a file system of their own.
 */
import * as fsp from 'node:fs/promises';
import { EnvironmentError } from '../../core/errors.ts';

/** Creates `dir` and its missing parents 0700 whatever the umask, then {@link checkPrivateDir}. */
export async function ensurePrivateDir(dir: string, uid: number | undefined): Promise<void> {
  const created = await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined && process.platform !== 'win32') await fsp.chmod(dir, 0o700);
  await checkPrivateDir(dir, uid);
}

/**
 * Refuses a directory that is a link, belongs to another user or can be opened by others:
 * whoever controls it could swap the vault or sit on the socket.
 */
export async function checkPrivateDir(dir: string, uid: number | undefined): Promise<void> {
  if (process.platform === 'win32' || uid === undefined) return;
  const s = await fsp.lstat(dir);
  if (!s.isDirectory())
    throw new EnvironmentError(`${dir} is not a directory (it may be a symbolic link): remove it and retry`);
  if (s.uid !== uid)
    throw new EnvironmentError(
      `${dir} belongs to uid ${s.uid}, not to you (uid ${uid}): tray-cred will not keep secrets or a socket there; use a directory of your own`,
    );
  if ((s.mode & 0o077) !== 0) {
    throw new EnvironmentError(
      `${dir} can be opened by other users (mode ${(s.mode & 0o777).toString(8)}): run \`chmod 700 ${dir}\` and retry`,
    );
  }
}
