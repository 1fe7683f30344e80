/**
 * Bundles the two entry points users run: the helper (one file, Node built-ins only, because its
 * start-up is paid before every `aws` command) and the `tray-cred` CLI.
 */
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { bundleApp } from './bundle-app.ts';
import { bundleRenderer } from './bundle-renderer.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  define: { TRAY_CRED_VERSION: JSON.stringify(version) },
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  logLevel: 'warning',
} as const;

await Promise.all([
  build({ ...common, entryPoints: ['helper/tray-cred-helper.ts'], outfile: 'dist/tray-cred-helper.cjs', format: 'cjs', minify: true }),
  build({
    ...common,
    entryPoints: ['main/node/cli.ts'],
    outfile: 'dist/tray-cred.mjs',
    format: 'esm',
    // The keyring binding and koffi are native addons, and the STS SDK is loaded only when a session is minted: both come from node_modules.
    external: ['@napi-rs/keyring', '@aws-sdk/client-sts', 'koffi'],
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __trayCredRequire } from 'node:module'; const require = __trayCredRequire(import.meta.url);" },
  }),
  // `audit verify`'s worker threads (main/node/audit-verify-parallel.ts finds it beside the CLI).
  build({ ...common, banner: {}, entryPoints: ['main/node/audit-verify-worker.ts'], outfile: 'dist/audit-verify-worker.mjs', format: 'esm' }),
  bundleApp(),
  bundleRenderer(),
]);

// `dist/bin` holds the two commands under the names users type, for PATH (npm link does the same from "bin").
mkdirSync('dist/bin', { recursive: true });
for (const [name, target] of [['tray-cred', '../tray-cred.mjs'], ['tray-cred-helper', '../tray-cred-helper.cjs']] as const) {
  rmSync(`dist/bin/${name}`, { force: true });
  symlinkSync(target, `dist/bin/${name}`);
  chmodSync(`dist/bin/${target}`, 0o755);
}
