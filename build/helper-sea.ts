/**
 * Builds `tray-cred-helper` as a Node single executable application (SEA) for this machine's
 * platform, so the packaged tray app can put a helper on PATH that runs where no Node is
 * installed. electron-builder ships the result through `extraResources` (see
 * electron-builder.config.cjs); `npm run dist` runs this first.
 *
 * Why a SEA and not the Electron binary as Node: the packaged app turns the RunAsNode fuse off,
 * so `ELECTRON_RUN_AS_NODE=1 tray-cred …` cannot run the helper, and leaving that fuse on would
 * let anyone run arbitrary code as the signed app. The SEA costs one Node binary (~120 MB) in
 * the installer and starts as fast as `node helper.cjs` (both figures in the packaging report).
 * The same binary is the `tray-cred` CLI when run under that name (helper/packaged-entry.ts), so
 * the package carries one Node, not two.
 *
 * Usage: node build/helper-sea.ts [output-path]   (default dist/sea/tray-cred-helper[.exe])
 * A SEA runs only on the platform and architecture of the Node it copies, so each platform's
 * installer is built on that platform (electron-builder.config.cjs refuses a cross build).
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
/** Where the release build puts the SEA; electron-builder.config.cjs ships it from here. */
export const SEA_OUTPUT = join(
  ROOT,
  'dist',
  'sea',
  process.platform === 'win32' ? 'tray-cred-helper.exe' : 'tray-cred-helper',
);
/**
 * The SEA's main script: helper/packaged-entry.ts, the helper under its own name and the CLI
 * (from resources/cli, build/bundle-desktop-cli.ts) under the name `tray-cred`.
 */
const ENTRY = join(ROOT, 'helper', 'packaged-entry.ts');
/** Node's documented sentinel: the binary looks for this fuse to know a blob was injected. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function runOrThrow(command: string, args: readonly string[], what: string): void {
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

/**
 * Writes the SEA for the running Node (its `process.execPath` is copied, so run this with the
 * Node the helper should ship with: Node 24 from node_modules/.bin). The output appears
 * atomically: a half-written binary never sits at `output`.
 */
export async function buildHelperSea(output: string = SEA_OUTPUT): Promise<string> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24)
    throw new Error(
      `the helper SEA is built from the running Node, ${process.version}; run it with Node 24 (export PATH="$PWD/node_modules/.bin:$PATH")`,
    );
  mkdirSync(dirname(output), { recursive: true });
  const work = mkdtempSync(join(dirname(output), '.sea-'));
  try {
    const main = join(work, 'main.cjs');
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    // One file, as the SEA needs; minified like dist/tray-cred-helper.cjs, whose start-up it keeps.
    await build({
      entryPoints: [ENTRY],
      outfile: main,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      minify: true,
      define: { TRAY_CRED_VERSION: JSON.stringify(version) },
      legalComments: 'none',
      logLevel: 'warning',
    });
    const blob = join(work, 'helper.blob');
    const config = join(work, 'sea-config.json');
    // The code cache saves V8 from compiling the bundle on each start: the helper runs before every `aws` command.
    writeFileSync(
      config,
      JSON.stringify(
        {
          main,
          output: blob,
          disableExperimentalSEAWarning: true,
          useCodeCache: true,
          useSnapshot: false,
        },
        null,
        2,
      ),
    );
    runOrThrow(process.execPath, ['--experimental-sea-config', config], 'node --experimental-sea-config');

    const binary = join(work, 'tray-cred-helper');
    copyFileSync(process.execPath, binary);
    chmodSync(binary, 0o755);
    const mac = process.platform === 'darwin';
    // macOS refuses to run a Mach-O whose signature no longer matches: strip it before injecting, re-sign (ad hoc) after.
    // The release pipeline signs it again with the Developer ID when electron-builder signs the app.
    if (mac) runOrThrow('codesign', ['--remove-signature', binary], 'codesign --remove-signature');
    const postject = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
    runOrThrow(
      process.execPath,
      [
        postject,
        binary,
        'NODE_SEA_BLOB',
        blob,
        '--sentinel-fuse',
        SEA_FUSE,
        ...(mac ? ['--macho-segment-name', 'NODE_SEA'] : []),
      ],
      'postject',
    );
    if (mac) runOrThrow('codesign', ['--sign', '-', binary], 'codesign --sign -');
    renameSync(binary, output);
    return output;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const out = await buildHelperSea(process.argv[2] ? resolve(process.argv[2]) : SEA_OUTPUT);
  console.log(`wrote ${out}`);
}
