import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What every Node bundle of tray-cred shares (the helper, the CLI, the desktop package's CLI, the
 * tray app): one file per entry with what it imports, for Node 22, the package's version compiled
 * in, paths taken from the checkout's root.
 */
export function nodeBundle(root: string) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return {
    bundle: true,
    platform: 'node',
    target: 'node22',
    define: { TRAY_CRED_VERSION: JSON.stringify(version) },
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: root,
  } as const;
}
