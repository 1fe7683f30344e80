/**
 * The main script of the desktop package's single executable (build/helper-sea.ts): one Node
 * binary that is both commands, as busybox is, so the package carries one Node and not two.
 * Run under the name `tray-cred` (the link in resources/bin, /usr/bin or ~/.local/bin) it is the
 * CLI, loaded from resources/cli; under any other name it is `tray-cred-helper`, whose start-up
 * pays only for the name check. The name is argv[0] as the caller wrote it: Linux and macOS
 * report the executable's real path (`/proc/self/exe`), which a symlink does not change.
 *
 * `<sea> <resources/cli/tray-cred.mjs> args…` is the CLI too: that is how the CLI starts itself
 * (`process.execPath` with its own script, as a service unit or setup's agent do).
 */
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXIT_STATUS } from '../common/errors.ts';

const cli = join(dirname(process.execPath), '..', 'cli', 'tray-cred.mjs');
const invokedAs = basename(process.argv0)
  .replace(/\.exe$/i, '')
  .toLowerCase();
// A single executable's argv is [execPath, argv0, ...arguments]: a script's shape, which the CLI parses from index 2.
// Windows's tray-cred.cmd passes the script as `bin\..\cli\tray-cred.mjs`.
const script = process.argv[2] !== undefined && resolve(process.argv[2]) === cli;
if (script) process.argv.splice(1, 1);
if (invokedAs === 'tray-cred' || script) {
  import(pathToFileURL(cli).href).catch((error: unknown) => {
    process.stderr.write(
      `tray-cred: this installation of tray-cred is incomplete (${cli}: ${(error as Error).message}): reinstall tray-cred\n`,
    );
    process.exit(EXIT_STATUS.ENVIRONMENT);
  });
} else {
  void import('./tray-cred-helper.ts');
}
