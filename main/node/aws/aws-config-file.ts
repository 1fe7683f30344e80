/** Writing `~/.aws/config` the way every tray-cred command does: a byte-for-byte backup first, then the file where it lives. */
import { realpath } from 'node:fs/promises';
import type { awsFiles } from '../../core/aws/import-sources.ts';
import type { CliContext } from '../cli/context.ts';

/** The config's text, or '' when there is none. */
export async function readAwsConfig(c: CliContext, files: ReturnType<typeof awsFiles>): Promise<string> {
  return (await c.fs.readFile(files.config))?.toString('utf8') ?? '';
}

/** Backs up `before` (when there was a file) and writes `after`; returns the backup's path. */
export async function rewriteAwsConfig(
  c: CliContext,
  files: ReturnType<typeof awsFiles>,
  before: string,
  after: string,
): Promise<string | undefined> {
  await c.fs.ensurePrivateDir(files.dir).catch(() => undefined);
  let backup: string | undefined;
  if (before) {
    backup = `${files.config}.tray-cred-backup-${new Date(c.clock.now()).toISOString().replace(/[:.]/g, '-')}`;
    await c.fs.writeFileAtomic(backup, before);
  }
  // Edit the file where it lives: a config symlinked from a dotfiles repo stays a symlink.
  const real = before ? await realpath(files.config) : files.config;
  await c.fs.writeFileAtomic(real, after);
  return backup;
}
