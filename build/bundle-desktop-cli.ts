/**
 * The `tray-cred` CLI as the desktop package ships it, in dist/cli/: the same entry and command
 * chunks as dist/tray-cred.mjs (build/bundle.ts), but with the STS SDK bundled, since the package
 * has no node_modules for it. Only the native addons stay external (the keyring, koffi);
 * electron-builder.config.cjs copies exactly those beside it, into resources/cli/node_modules.
 * The package's single executable runs it when called `tray-cred` (helper/packaged-entry.ts).
 *
 * Usage: node build/bundle-desktop-cli.ts   (npm run dist runs it; needs nothing built first)
 */
import { build } from 'esbuild';
import { nodeBundle } from './node-bundle.ts';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
/** Where electron-builder.config.cjs takes the packaged CLI from. */
export const DESKTOP_CLI_DIR = join(ROOT, 'dist', 'cli');
/** The packages the packaged CLI loads from resources/cli/node_modules: native addons, which cannot be bundled. */
// dbus-next (the headless agent's desktop notification) requires x11 and usocket only for buses they
// reach, and neither is installed: left out, as in bundle.ts and bundle-app.ts.
export const DESKTOP_CLI_EXTERNALS = ['@napi-rs/keyring', 'koffi', 'x11', 'usocket'] as const;

export async function bundleDesktopCli(out: string = DESKTOP_CLI_DIR): Promise<string> {
  rmSync(out, { recursive: true, force: true });
  const common = nodeBundle(ROOT);
  await Promise.all([
    build({
      ...common,
      entryPoints: { 'tray-cred': join(ROOT, 'main', 'node', 'cli', 'cli.ts') },
      outdir: out,
      outExtension: { '.js': '.mjs' },
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      format: 'esm',
      external: [...DESKTOP_CLI_EXTERNALS],
      // As in build/bundle.ts: ESM builds split cleanly, and bundled CommonJS calls require() for built-ins.
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire as __trayCredRequire } from 'node:module'; const require = __trayCredRequire(import.meta.url);",
      },
    }),
    // `audit verify`'s workers, found beside the module that starts them (a chunk) or beside the entry.
    ...[out, join(out, 'chunks')].map((dir) =>
      build({
        ...common,
        entryPoints: [join(ROOT, 'main', 'node', 'audit', 'audit-verify-worker.ts')],
        outfile: join(dir, 'audit-verify-worker.mjs'),
        format: 'esm',
      }),
    ),
  ]);
  return out;
}

if (import.meta.main) console.log(`wrote ${await bundleDesktopCli()}`);
