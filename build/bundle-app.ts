/**
 * Bundles the Electron tray app into dist/app/: the main process (ESM), the preload (CJS, as a
 * sandboxed preload must be) and the tray icons. The renderer pages come from
 * build/bundle-renderer.ts. Called by build/bundle.ts.
 *
 * npm dependencies are bundled, so the ASAR holds only code that runs; kept external only:
 * `electron` (the runtime provides it), `@napi-rs/keyring` and `koffi` (the peer-credential FFI), whose native addons cannot be
 * bundled and is shipped from node_modules (unpacked from the ASAR by electron-builder).
 */
import { build } from 'esbuild';
import { nodeBundle } from './node-bundle.ts';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist', 'app');
/** Packages the app loads from node_modules at run time; electron-builder.config.cjs ships exactly these. */
export const APP_EXTERNALS = ['electron', '@napi-rs/keyring', 'koffi'] as const;

const MAIN_ENTRY = join(ROOT, 'main', 'electron', 'main.ts');
const PRELOAD_ENTRY = join(ROOT, 'preload', 'preload.ts');
const TRAY_ICONS = join(ROOT, 'build', 'tray');

export async function bundleApp(): Promise<void> {
  const common = nodeBundle(ROOT);
  mkdirSync(OUT, { recursive: true });
  const builds: Promise<unknown>[] = [];
  // Each entry is written by other work in progress; a checkout without it still builds the rest.
  if (existsSync(MAIN_ENTRY)) {
    // Stale chunks from an earlier build would otherwise be packed into the ASAR too.
    rmSync(join(OUT, 'chunks'), { recursive: true, force: true });
    builds.push(
      build({
        ...common,
        entryPoints: { main: MAIN_ENTRY },
        outdir: OUT,
        outExtension: { '.js': '.mjs' },
        format: 'esm',
        // Code split so that what the CLI loads lazily (the STS SDK) stays out of the start-up path.
        splitting: true,
        chunkNames: 'chunks/[name]-[hash]',
        // dbus-next's optional dependencies, required only to find a bus through X11 or to reach an abstract
        // socket: not installed, so left out; desktop-bus.ts then finds no bus and the tray polls instead.
        external: [...APP_EXTERNALS, 'x11', 'usocket'],
        // ESM builds first: a CommonJS package split into its own chunk exposes only `default` to
        // `await import()`, which breaks the STS SDK's named exports; its ESM build splits cleanly.
        mainFields: ['module', 'main'],
        // Bundled CommonJS dependencies call require() for Node built-ins; ESM has no require of its own.
        banner: {
          js: "import { createRequire as __trayCredRequire } from 'node:module'; const require = __trayCredRequire(import.meta.url);",
        },
      }),
    );
  }
  // The history index's worker threads (main/node/audit/history-workers.ts finds it beside the main bundle).
  builds.push(
    build({
      ...common,
      entryPoints: [join(ROOT, 'main', 'node', 'audit', 'history-worker.ts')],
      outfile: join(OUT, 'history-worker.mjs'),
      format: 'esm',
    }),
  );
  if (existsSync(PRELOAD_ENTRY)) {
    builds.push(
      build({
        ...common,
        entryPoints: [PRELOAD_ENTRY],
        outfile: join(OUT, 'preload.cjs'),
        format: 'cjs',
        external: ['electron'],
      }),
    );
  }
  await Promise.all(builds);
  copyTrayIcons();
}

/** The state icons the tray switches between (light/dark variants, macOS templates, @2x). */
function copyTrayIcons(): void {
  const dest = join(OUT, 'tray');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const name of readdirSync(TRAY_ICONS)) {
    if (name.endsWith('.png')) copyFileSync(join(TRAY_ICONS, name), join(dest, name));
  }
}
