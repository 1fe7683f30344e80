/**
 * Bundles the two entry points users run: the helper (one file, Node built-ins only, because its
 * start-up is paid before every `aws` command) and the `tray-cred` CLI.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { nodeBundle } from './node-bundle.ts';
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { bundleApp } from './bundle-app.ts';
import { bundleRenderer } from './bundle-renderer.ts';

/** The CLI's chunks, beside dist/tray-cred.mjs; emptied first, so an old build's chunks do not pile up. */
const CLI_CHUNKS = 'tray-cred-chunks';
rmSync(`dist/${CLI_CHUNKS}`, { recursive: true, force: true });

const common = {
  ...nodeBundle(fileURLToPath(new URL('..', import.meta.url))),
  banner: { js: '#!/usr/bin/env node' },
} as const;

await Promise.all([
  build({
    ...common,
    entryPoints: ['helper/tray-cred-helper.ts'],
    outfile: 'dist/tray-cred-helper.cjs',
    format: 'cjs',
    minify: true,
  }),
  build({
    ...common,
    // dist/tray-cred.mjs stays the file users and npm's bin link run; each command's code is a chunk in dist/tray-cred-chunks/,
    // loaded with import() only when that command is typed (main/node/cli/command-table.ts).
    entryPoints: { 'tray-cred': 'main/node/cli/cli.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: `${CLI_CHUNKS}/[name]-[hash]`,
    format: 'esm',
    // The keyring binding and koffi are native addons: they come from node_modules, the package's only dependencies (package.json).
    // Everything else, the STS SDK included (a chunk loaded only when a session is minted), is bundled.
    // dbus-next (the headless agent's desktop notification) requires x11 and usocket only for buses they reach; not installed: left out, as in bundle-app.ts.
    external: ['@napi-rs/keyring', 'koffi', 'x11', 'usocket'],
    // ESM builds first: a CommonJS package split into a chunk of its own exposes only `default` to import() (as in bundle-app.ts).
    mainFields: ['module', 'main'],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __trayCredRequire } from 'node:module'; const require = __trayCredRequire(import.meta.url);",
    },
  }),
  // `audit verify`'s worker threads: main/node/audit/audit-verify-parallel.ts finds it beside the module that starts them, which is
  // in a chunk; the copy beside the CLI is for what runs that module from there.
  ...['dist', `dist/${CLI_CHUNKS}`].map((dir) =>
    build({
      ...common,
      banner: {},
      entryPoints: ['main/node/audit/audit-verify-worker.ts'],
      outfile: `${dir}/audit-verify-worker.mjs`,
      format: 'esm',
    }),
  ),
  bundleApp(),
  bundleRenderer(),
]);

// `dist/bin` holds the two commands under the names users type, for PATH (npm link does the same from "bin").
mkdirSync('dist/bin', { recursive: true });
for (const [name, target] of [
  ['tray-cred', '../tray-cred.mjs'],
  ['tray-cred-helper', '../tray-cred-helper.cjs'],
] as const) {
  rmSync(`dist/bin/${name}`, { force: true });
  symlinkSync(target, `dist/bin/${name}`);
  chmodSync(`dist/bin/${target}`, 0o755);
}
