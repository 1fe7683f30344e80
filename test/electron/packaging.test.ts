/**
 * Packaging without downloads: electron-builder's own schema accepts the config (and rejects a
 * broken one); a `dir` pack for this machine against a stand-in Electron folder yields an ASAR
 * with exactly the app's files, the fuses flipped in the executable, and the helper SEA in
 * resources, which answers a running agent exactly as the Node helper does.
 *
 * Needs dist/ (build/test.sh builds it) and the D-Bus session with gnome-keyring of npm test.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundleDesktopCli } from '../../build/bundle-desktop-cli.ts';
import { buildHelperSea } from '../../build/helper-sea.ts';
import { HELPER, ROOT, run, testSandbox } from '../e2e/support.ts';

const require = createRequire(import.meta.url);

interface BuilderConfig {
  directories: Record<string, string>;
  linux: { extraResources: { from: string; to: string }[] } & Record<string, unknown>;
  electronFuses: Record<string, boolean>;
  [key: string]: unknown;
}
interface AsarEntry {
  files?: Record<string, AsarEntry>;
  unpacked?: boolean;
  size?: number;
}
const CONFIG_PATH = require.resolve('../../electron-builder.config.cjs');
/** A fresh copy each time: electron-builder rewrites parts of the config object it is given. */
function loadConfig(): BuilderConfig {
  delete require.cache[CONFIG_PATH];
  return require(CONFIG_PATH) as BuilderConfig;
}
const config = loadConfig();
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(c: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger, log: builderLog } = require('builder-util') as {
  DebugLogger: new (enabled: boolean) => unknown;
  log: { stream: { write(s: string): unknown } };
};
const { build, Platform, Arch } = require('electron-builder') as {
  build(o: unknown): Promise<string[]>;
  Platform: { LINUX: { createTarget(type: string, ...archs: number[]): unknown } };
  Arch: Record<string, number>;
};
const { getRawHeader } = require('@electron/asar') as { getRawHeader(p: string): { header: AsarEntry } };
const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses') as {
  getCurrentFuseWire(p: string): Promise<Record<string, number>>;
  FuseV1Options: Record<string, number>;
};

/** The pack is for this machine: the config refuses any other (the helper SEA is a native binary). */
const HOST_ARCH = Arch[process.arch]!;
/** Electron's fuse sentinel; the stand-in carries it with Electron's default wire so the real fuse code runs on it. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ELECTRON_DEFAULT_WIRE = '10110001';
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);

/** What dist/app may hold: bundles, code-split chunks, renderer pages and tray icons; never sources or maps. */
const APP_FILE =
  /^dist\/app\/(main\.mjs|preload\.cjs|history-worker\.mjs|chunks\/[\w-]+\.mjs|renderer\/[\w.-]+\.(html|js|css)|tray\/tray-(locked|unlocked|pending)(-dark|-outline|Template)?(@2x)?\.png)$/;
const KEYRING_FILE = /^node_modules\/@napi-rs\/keyring(-[a-z0-9-]+)?\/[^/]+$/;
/** koffi's loader (ESM and CommonJS entries) and its platform package with the addon (glibc and musl builds). */
const KOFFI_FILE =
  /^node_modules\/(koffi\/(package\.json|index\.c?js|LICENSE\.txt|src\/koffi\/index\.c?js|src\/koffi\/src\/static\.c?js)|@koromix\/koffi-[a-z0-9-]+\/(index\.js|package\.json|[a-z0-9_]+\/koffi\.node))$/;

function asarFiles(entry: AsarEntry, prefix = ''): Map<string, AsarEntry> {
  const out = new Map<string, AsarEntry>();
  for (const [name, child] of Object.entries(entry.files ?? {})) {
    const path = prefix ? `${prefix}/${name}` : name;
    if (child.files) for (const [p, e] of asarFiles(child, path)) out.set(p, e);
    else out.set(path, child);
  }
  return out;
}

function filesOnDisk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => relative(ROOT, join(dir, f)));
}

/** A folder electron-builder accepts as an unpacked Electron: one executable holding a fuse wire. */
function standInElectron(dir: string): string {
  mkdirSync(dir);
  const body = `#!/bin/sh\necho "stand-in for Electron"\nexit 0\n# ${FUSE_SENTINEL}\x01\x08${ELECTRON_DEFAULT_WIRE}\n`;
  writeFileSync(join(dir, 'electron'), Buffer.from(body, 'latin1'));
  chmodSync(join(dir, 'electron'), 0o755);
  return dir;
}

/** Runs electron-builder with its log captured (it writes to stdout), to show only when the pack fails. */
async function pack(
  overrides: (c: BuilderConfig) => Record<string, unknown>,
  arch: number,
  log: string[],
): Promise<void> {
  const stream = builderLog.stream;
  builderLog.stream = { write: (s: string) => log.push(s) };
  try {
    const fresh = loadConfig();
    await build({
      projectDir: ROOT,
      publish: 'never',
      targets: Platform.LINUX.createTarget('dir', arch),
      config: { ...fresh, ...overrides(fresh) },
    });
  } finally {
    builderLog.stream = stream;
  }
}

/** electron-builder's deb templates, rendered as FpmTarget's writeConfigFile does (an unknown `${name}` is an error there too). */
const APPARMOR_TEMPLATE = readFileSync(require.resolve('app-builder-lib/templates/linux/apparmor-profile.tpl'), 'utf8');
function renderTemplate(text: string): string {
  const values: Record<string, string> = {
    executable: 'tray-cred',
    sanitizedProductName: 'tray-cred',
    productFilename: 'tray-cred',
  };
  return text.replace(/\$\{([a-zA-Z]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`Macro ${name} is not defined`);
    return values[name]!;
  });
}

test('macOS builds a zip beside the dmg (the updater downloads the zip), Linux recommends the deb, Windows puts the commands on Path', () => {
  const targets = (platform: string) => [(config[platform] as { target: string | string[] }).target].flat();
  assert.deepEqual(targets('mac').sort(), ['dmg', 'zip']);
  assert.equal(targets('linux')[0], 'deb');
  // The deb's profile is electron-builder's: abi/4.0, `userns` for the app's binary (electron/electron#42510).
  assert.equal((config.deb as Record<string, unknown>).appArmorProfile, undefined);
  const profile = renderTemplate(APPARMOR_TEMPLATE);
  assert.match(profile, /^abi <abi\/4\.0>,/);
  assert.match(profile, /profile "tray-cred" "\/opt\/tray-cred\/tray-cred" flags=\(unconfined\) \{\s+userns,/);
  const nsh = readFileSync(join(ROOT, (config.nsis as { include: string }).include), 'utf8');
  assert.match(nsh, /!macro customInstall\s+!insertmacro trayCredPath add/);
  assert.match(nsh, /!macro customUnInstall\s+!insertmacro trayCredPath remove/);
  assert.match(nsh, /\$INSTDIR\\resources\\bin/);
});

test('electron-builder schema accepts the config and rejects a misspelt or mistyped option', async () => {
  await validateConfiguration(config, new DebugLogger(false));
  await assert.rejects(
    validateConfiguration({ ...config, hardenedRuntime: true }, new DebugLogger(false)),
    /unknown property 'hardenedRuntime'/,
  );
  await assert.rejects(
    validateConfiguration(
      { ...config, mac: { ...(config.mac as object), hardenedRuntim: true } },
      new DebugLogger(false),
    ),
    /configuration\.mac /,
  );
  await assert.rejects(
    validateConfiguration(
      { ...config, electronFuses: { ...config.electronFuses, runAsNode: 'off' } },
      new DebugLogger(false),
    ),
    /runAsNode/,
  );
});

describe('a linux dir pack against a stand-in Electron', {
  skip: process.platform !== 'linux' && 'the stand-in is a Linux layout',
}, () => {
  let tmp = '';
  let sea = '';
  let appDir = '';
  const log: string[] = [];

  before(async () => {
    for (const f of ['dist/app/main.mjs', 'dist/app/preload.cjs', 'dist/tray-cred-helper.cjs']) {
      if (!existsSync(join(ROOT, f)))
        throw new Error(`${f} is missing: run \`node build/bundle.ts\` (build/test.sh does)`);
    }
    tmp = await mkdtemp('/tmp/tc-pack-');
    sea = await buildHelperSea(join(tmp, 'sea', 'tray-cred-helper'));
    const cli = await bundleDesktopCli(join(tmp, 'cli'));
    const out = join(tmp, 'out');
    const electronDist = standInElectron(join(tmp, 'electron-dist'));
    const built: Record<string, string> = { 'bin/tray-cred-helper': sea, cli };
    await pack(
      (c) => ({
        electronDist,
        directories: { ...c.directories, output: out },
        linux: {
          ...c.linux,
          extraResources: c.linux.extraResources.map((r) => ({ ...r, from: built[r.to] ?? r.from })),
        },
      }),
      HOST_ARCH,
      log,
    ).catch((error: unknown) => {
      throw new Error(`electron-builder failed: ${String(error)}\n${log.join('\n')}`);
    });
    appDir = join(out, process.arch === 'x64' ? 'linux-unpacked' : `linux-${process.arch}-unpacked`);
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  test('app.asar holds exactly the bundles, pages, tray icons, package.json, the keyring addon and koffi', () => {
    const files = asarFiles(getRawHeader(join(appDir, 'resources', 'app.asar')).header);
    const names = [...files.keys()].sort();
    const expectedApp = filesOnDisk(join(ROOT, 'dist', 'app'))
      .filter((f) => !f.endsWith('.map'))
      .sort();
    assert.deepEqual(
      names.filter((n) => n.startsWith('dist/')),
      expectedApp,
      'the ASAR holds what dist/app holds',
    );
    const stray = names.filter(
      (n) => n !== 'package.json' && !APP_FILE.test(n) && !KEYRING_FILE.test(n) && !KOFFI_FILE.test(n),
    );
    assert.deepEqual(stray, [], 'no sources, tests, maps or other node_modules');
    assert.deepEqual(
      names.filter((n) => /\.(ts|map|md)$/.test(n)),
      [],
    );
    for (const f of [
      'dist/app/history-worker.mjs',
      'node_modules/koffi/index.js',
      'node_modules/koffi/src/koffi/src/static.js',
      'node_modules/koffi/index.cjs',
      'package.json',
      'dist/app/main.mjs',
      'dist/app/preload.cjs',
      'dist/app/renderer/history.html',
      'dist/app/renderer/profiles.html',
      'dist/app/renderer/approval.html',
      'dist/app/renderer/control.html',
      'node_modules/@napi-rs/keyring/package.json',
      'node_modules/@napi-rs/keyring/index.js',
    ]) {
      assert.ok(files.has(f), `${f} is packed`);
    }
    for (const state of ['locked', 'unlocked', 'pending']) {
      for (const variant of ['', '-dark', '-outline', 'Template']) {
        for (const scale of ['', '@2x'])
          assert.ok(
            files.has(`dist/app/tray/tray-${state}${variant}${scale}.png`),
            `tray icon ${state}${variant}${scale}`,
          );
      }
    }
    const addons = names.filter((n) => n.endsWith('.node'));
    assert.equal(
      addons.filter((n) => KEYRING_FILE.test(n)).length,
      1,
      `one keyring addon for ${process.platform}-${process.arch}: ${addons.join(', ')}`,
    );
    assert.ok(
      addons.some((n) => n.startsWith(`node_modules/@koromix/koffi-${process.platform}-${process.arch}/`)),
      `koffi's addon for ${process.platform}-${process.arch}: ${addons.join(', ')}`,
    );
    assert.ok(
      addons.every((n) => KEYRING_FILE.test(n) || n.includes(`/koffi-${process.platform}-${process.arch}/`)),
      `no addon for another platform: ${addons.join(', ')}`,
    );
    for (const addon of addons) {
      assert.equal(files.get(addon)!.unpacked, true, `${addon} is unpacked, as dlopen needs a real file`);
      assert.ok(existsSync(join(appDir, 'resources', 'app.asar.unpacked', addon)));
    }
  });

  test('the executable has the fuses set: no RunAsNode, NODE_OPTIONS or --inspect; cookie encryption, ASAR integrity, ASAR only', async () => {
    const wire = await getCurrentFuseWire(join(appDir, 'tray-cred'));
    const expected: Record<string, number> = {
      RunAsNode: OFF,
      EnableCookieEncryption: ON,
      EnableNodeOptionsEnvironmentVariable: OFF,
      EnableNodeCliInspectArguments: OFF,
      EnableEmbeddedAsarIntegrityValidation: ON,
      OnlyLoadAppFromAsar: ON,
    };
    for (const [name, state] of Object.entries(expected)) assert.equal(wire[FuseV1Options[name]!], state, name);
  });

  test('the helper SEA ships in resources/bin, executable, and answers like the Node helper', async () => {
    const shipped = join(appDir, 'resources', 'bin', 'tray-cred-helper');
    assert.ok(statSync(shipped).mode & 0o111, 'executable');
    const env = { PATH: '/usr/bin:/bin' };
    for (const args of [['--version'], ['a', 'b']]) {
      const [bySea, byNode] = await Promise.all([
        run(shipped, args, { env }),
        run(process.execPath, [HELPER, ...args], { env }),
      ]);
      assert.deepEqual(bySea, byNode, `tray-cred-helper ${args.join(' ')}`);
    }
  });

  test('the SEA gets credentials from a running agent, printing exactly what the Node helper prints', async (t) => {
    const { sandbox, startAgent } = await testSandbox(t);
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSEAEXAMPLE';
    const added = await sandbox.trayCred(['add', 'dev', '--access-key-id', 'AKIASEAEXAMPLE000001'], `${secret}\n`);
    assert.equal(added.status, 0, added.stderr);
    await startAgent();
    const shipped = join(appDir, 'resources', 'bin', 'tray-cred-helper');
    const answers: Record<string, Awaited<ReturnType<typeof run>>> = {};
    for (const profile of ['dev', 'no-such-profile']) {
      const bySea = await run(shipped, [profile], { env: sandbox.env });
      const byNode = await run(process.execPath, [HELPER, profile], { env: sandbox.env });
      assert.deepEqual(bySea, byNode, profile);
      answers[profile] = bySea;
    }
    assert.equal(answers.dev!.status, 0, answers.dev!.stderr);
    assert.deepEqual(JSON.parse(answers.dev!.stdout), {
      Version: 1,
      AccessKeyId: 'AKIASEAEXAMPLE000001',
      SecretAccessKey: secret,
    });
    assert.equal(answers['no-such-profile']!.status, 7, 'unknown profile');
    assert.match(answers['no-such-profile']!.stderr, /^tray-cred-helper: .*no-such-profile/);
  });

  test('the packed tray-cred is the CLI: a link to the single executable, running the packed bundle and addons', async (t) => {
    const bin = join(appDir, 'resources', 'bin');
    assert.equal(readlinkSync(join(bin, 'tray-cred')), 'tray-cred-helper', 'a link, so the package carries one Node');
    const packed = join(bin, 'tray-cred');
    const version = await run(packed, ['--version'], { env: { PATH: '/usr/bin:/bin' } });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^tray-cred \d+\.\d+\.\d+ \(Node v24\./);
    // Its own files only: the pack sits in /tmp, where no checkout's node_modules is on the resolution path.
    const addons = readdirSync(join(appDir, 'resources', 'cli', 'node_modules'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.node'))
      .map((f) => f.split('/').slice(0, 2).join('/'));
    assert.deepEqual([...new Set(addons)].sort(), [
      `@koromix/koffi-${process.platform}-${process.arch}`,
      `@napi-rs/keyring-${process.platform}-${process.arch}-gnu`,
    ]);
    const { sandbox, startAgent } = await testSandbox(t);
    const cli = (args: string[], input?: string) =>
      run(packed, args, { env: sandbox.env, ...(input === undefined ? {} : { input }) });
    // The keyring's addon (init, add) and the audit's worker threads (verify) load from resources/cli.
    assert.equal((await cli(['init'])).status, 0);
    const added = await cli(
      ['add', 'dev', '--access-key-id', 'AKIAPACKEDCLI0000001'],
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYPACKEDCLI\n',
    );
    assert.equal(added.status, 0, added.stderr);
    const verified = await cli(['audit', 'verify']);
    assert.equal(verified.status, 0, verified.stderr);
    await startAgent();
    // exec reaches the agent through the packed CLI's client and koffi; the key reaches the child's environment.
    const exec = await cli(['exec', 'dev', '--long-term-key', '--', 'sh', '-c', 'printf %s "$AWS_ACCESS_KEY_ID"']);
    assert.equal(exec.status, 0, exec.stderr);
    assert.equal(exec.stdout, 'AKIAPACKEDCLI0000001');
    // The CLI starting itself by its script (a service unit's ExecStart, setup's agent) is the CLI too.
    const byScript = await run(
      join(bin, 'tray-cred-helper'),
      [join(appDir, 'resources', 'cli', 'tray-cred.mjs'), '--version'],
      {
        env: { PATH: '/usr/bin:/bin' },
      },
    );
    assert.equal(byScript.stdout, version.stdout);
    // Any other script is not run: a program of the user's cannot use the packaged Node as a Node to run its own
    // code with the app's identity. The executable stays the helper, which takes the path as a profile name and refuses it.
    const evil = join(sandbox.root, 'evil.mjs');
    const marker = join(sandbox.root, 'evil-ran');
    writeFileSync(evil, `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    const other = await run(join(bin, 'tray-cred-helper'), [evil], { env: sandbox.env });
    assert.notEqual(other.status, 0);
    assert.match(other.stderr, /^tray-cred-helper: /);
    assert.equal(existsSync(marker), false, 'the other script did not run');
  });

  test('the .deb scripts link both commands into /usr/bin, install the AppArmor profile, and undo only their own', async () => {
    const root = join(tmp, 'deb-root');
    const stubs = join(tmp, 'deb-stubs');
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    mkdirSync(join(root, 'etc', 'apparmor.d'), { recursive: true });
    mkdirSync(join(root, 'opt', 'tray-cred', 'resources'), { recursive: true });
    writeFileSync(join(root, 'opt', 'tray-cred', 'resources', 'apparmor-profile'), renderTemplate(APPARMOR_TEMPLATE));
    // AppArmor is not installed here: its two commands are stand-ins that log and succeed, as on Ubuntu 24.04.
    mkdirSync(stubs);
    for (const name of ['apparmor_status', 'apparmor_parser']) {
      writeFileSync(join(stubs, name), `#!/bin/sh\necho "${name} $*" >> "${stubs}/calls"\n`);
      chmodSync(join(stubs, name), 0o755);
    }
    const script = (name: string) => {
      const file = join(tmp, name);
      writeFileSync(
        file,
        renderTemplate(readFileSync(join(ROOT, (config.deb as Record<string, string>)[name]!), 'utf8')),
      );
      return run('/bin/bash', [file], { env: { PATH: `${stubs}:/usr/bin:/bin`, DPKG_ROOT: root } });
    };
    const installed = await script('afterInstall');
    assert.equal(installed.status, 0, installed.stderr);
    for (const command of ['tray-cred', 'tray-cred-helper']) {
      const target = readlinkSync(join(root, 'usr', 'bin', command));
      assert.equal(target, `/opt/tray-cred/resources/bin/${command}`);
      // What the link names is what the pack holds (the deb installs linux-unpacked as /opt/tray-cred).
      assert.ok(existsSync(join(appDir, target.replace('/opt/tray-cred/', ''))), `${target} is in the pack`);
    }
    assert.equal(readFileSync(join(root, 'etc', 'apparmor.d', 'tray-cred'), 'utf8'), renderTemplate(APPARMOR_TEMPLATE));
    assert.match(
      readFileSync(join(stubs, 'calls'), 'utf8'),
      /apparmor_parser --skip-kernel-load --debug .*apparmor-profile/,
    );
    // Removal takes its links and the profile; a tray-cred someone else put in /usr/bin survives install and removal.
    rmSync(join(root, 'usr', 'bin', 'tray-cred'));
    writeFileSync(join(root, 'usr', 'bin', 'tray-cred'), 'not ours');
    assert.match((await script('afterInstall')).stderr, /usr\/bin\/tray-cred exists and is not a link: left as it is/);
    assert.equal((await script('afterRemove')).status, 0);
    assert.equal(readFileSync(join(root, 'usr', 'bin', 'tray-cred'), 'utf8'), 'not ours');
    assert.equal(existsSync(join(root, 'usr', 'bin', 'tray-cred-helper')), false);
    assert.equal(existsSync(join(root, 'etc', 'apparmor.d', 'tray-cred')), false);
  });

  test('a pack for another architecture, or without the helper SEA, is refused before anything is copied', async () => {
    const electronDist = join(tmp, 'electron-dist');
    const otherArch = process.arch === 'arm64' ? Arch.x64! : Arch.arm64!;
    await assert.rejects(
      pack((c) => ({ electronDist, directories: { ...c.directories, output: join(tmp, 'out-arch') } }), otherArch, []),
      /packs only for the build machine \(linux/,
    );
    const missing = join(tmp, 'no-sea', 'tray-cred-helper');
    await assert.rejects(
      pack(
        (c) => ({
          electronDist,
          directories: { ...c.directories, output: join(tmp, 'out-nosea') },
          linux: { ...c.linux, extraResources: [{ from: missing, to: 'bin/tray-cred-helper' }] },
        }),
        HOST_ARCH,
        [],
      ),
      (error: Error) => error.message.includes(`${missing} is missing: run \`node build/helper-sea.ts\` first`),
    );
    assert.equal(existsSync(join(tmp, 'out-nosea', 'linux-unpacked', 'resources')), false);
  });
});
