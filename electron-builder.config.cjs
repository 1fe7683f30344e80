/**
 * electron-builder configuration for `npm run dist` (which builds dist/ and the helper SEA
 * first). Installers need Electron and tool downloads, so they are made by a release pipeline
 * on each platform; test/electron/packaging.test.ts checks this file against electron-builder's
 * own schema and packs a `dir` target offline.
 *
 * What the package holds: the bundles in dist/app (main, preload, renderer, tray icons), the
 * one native dependency that cannot be bundled (@napi-rs/keyring and its platform binary,
 * unpacked from the ASAR so it can be loaded) and, outside the ASAR, the helper as a single
 * executable for machines with no Node (build/helper-sea.ts says why).
 */
/* global process -- electron-builder loads this file with require() in Node */
/* eslint-disable @typescript-eslint/no-require-imports -- the config is CommonJS, as electron-builder's loader expects */
const { existsSync, rmSync, symlinkSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/** electron-builder's Arch enum, by index. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];
const exe = (platform) => (platform === 'win32' ? 'tray-cred-helper.exe' : 'tray-cred-helper');
/**
 * The native addons' packages the app and the packaged CLI load from node_modules (globs under
 * it): the keyring and its platform binary, koffi's loader and its platform build (the kernel's
 * answer to "who connected": SO_PEERCRED, LOCAL_PEERPID), its ESM and CommonJS entries; no C++
 * sources, CMake files or docs.
 */
const NATIVE_PACKAGES = [
  '@napi-rs/keyring/**/*',
  '@napi-rs/keyring-*/**/*',
  'koffi/{package.json,index.cjs,index.js,LICENSE.txt}',
  'koffi/src/koffi/index.{cjs,js}',
  'koffi/src/koffi/src/static.{cjs,js}',
  '@koromix/koffi-*/**/*',
  '!**/*.{md,d.ts,map}',
];
/**
 * The commands, outside the ASAR: the single executable in bin/ (the helper, and the CLI under the
 * name `tray-cred`, which afterPack links beside it: helper/packaged-entry.ts) and the CLI's
 * bundle in cli/ with the native addons it loads. Which build step writes each `from`.
 */
const commandResources = (platform) => [
  { from: `dist/sea/${exe(platform)}`, to: `bin/${exe(platform)}` },
  { from: 'dist/cli', to: 'cli', filter: ['**/*', '!**/*.map'] },
  { from: 'node_modules', to: 'cli/node_modules', filter: NATIVE_PACKAGES },
];
const BUILT_BY = { bin: 'node build/helper-sea.ts', cli: 'node build/bundle-desktop-cli.ts' };

module.exports = {
  appId: 'dev.traycred.app',
  productName: 'tray-cred',
  copyright: 'Copyright © 2026 tray-cred contributors',
  electronVersion: require('electron/package.json').version,
  directories: { output: 'dist/release', buildResources: 'build' },
  // Everything in dist/app is bundled by build/bundle-app.ts; the only runtime dependency left
  // in node_modules is the keyring's native addon. The bundled dependencies stay in package.json
  // "dependencies" for the CLI, so node_modules is excluded as a whole and the keyring let back in.
  files: [
    'package.json',
    'dist/app/**/*',
    '!**/*.{map,ts,mts,cts}',
    '!node_modules/**/*',
    ...NATIVE_PACKAGES.map((glob) =>
      glob.startsWith('!') ? `!node_modules/${glob.slice(1)}` : `node_modules/${glob}`,
    ),
  ],
  asar: true,
  // A native addon cannot be dlopen()ed from inside an archive.
  asarUnpack: ['node_modules/@napi-rs/keyring-*/**/*.node', 'node_modules/@koromix/koffi-*/**/*.node'],
  // The keyring ships N-API prebuilds that load in Electron as they are; nothing is compiled.
  npmRebuild: false,
  nodeGypRebuild: false,
  buildDependenciesFromSource: false,
  // Signed updates (main/electron/updates.ts): electron-builder writes app-update.yml from this into the
  // package and latest*.yml (version, file, SHA-512) beside the installers; electron-updater reads both.
  // `npm run dist` publishes nothing (`--publish never`): the release pipeline uploads the files.
  publish: [{ provider: 'generic', url: 'https://updates.traycred.dev/${os}/${arch}', channel: 'latest' }],
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  },
  beforePack: async (context) => {
    // The helper SEA is the build machine's Node with the helper injected: it runs only on this platform and arch.
    const arch = ARCH_NAMES[context.arch];
    // A macOS build that would not be notarized is refused unless asked for (Gatekeeper blocks it, and Squirrel.Mac then refuses its updates).
    const notarizable = ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'].every((name) => process.env[name]);
    if (context.electronPlatformName === 'darwin' && !notarizable && process.env.TRAY_CRED_UNNOTARIZED !== '1') {
      throw new Error(
        'a macOS build must be notarized: set APPLE_API_KEY, APPLE_API_KEY_ID and APPLE_API_ISSUER (an App Store Connect API key), or TRAY_CRED_UNNOTARIZED=1 for a local build that will not be distributed',
      );
    }
    if (context.electronPlatformName !== process.platform || arch !== process.arch) {
      throw new Error(
        `tray-cred packs only for the build machine (${process.platform} ${process.arch}), not ${context.electronPlatformName} ${arch}: the helper SEA in dist/sea is a native binary of this machine. Build each platform's installer on that platform.`,
      );
    }
    for (const { from, to } of context.packager.platformSpecificBuildOptions.extraResources ?? []) {
      const file = path.resolve(context.packager.projectDir, from);
      const builtBy = BUILT_BY[to.split('/')[0]];
      if (builtBy && !existsSync(file))
        throw new Error(`${from} is missing: run \`${builtBy}\` first (npm run dist does)`);
    }
  },
  // `tray-cred` beside the helper: a link to the single executable, which is the CLI under that name; Windows,
  // where a link needs a privilege, gets a .cmd that hands the executable the CLI's script instead.
  afterPack: async (context) => {
    const bin = path.join(context.packager.getResourcesDir(context.appOutDir), 'bin');
    if (context.electronPlatformName === 'win32') {
      writeFileSync(
        path.join(bin, 'tray-cred.cmd'),
        '@"%~dp0tray-cred-helper.exe" "%~dp0..\\cli\\tray-cred.mjs" %*\r\n',
      );
    } else {
      rmSync(path.join(bin, 'tray-cred'), { force: true });
      symlinkSync('tray-cred-helper', path.join(bin, 'tray-cred'));
    }
  },
  mac: {
    // The zip is what electron-updater's macOS updater downloads (without it: ERR_UPDATER_ZIP_FILE_NOT_FOUND); the dmg is for people.
    target: ['dmg', 'zip'],
    category: 'public.app-category.developer-tools',
    icon: 'build/icons/icon.png',
    hardenedRuntime: true,
    // Notarized with the App Store Connect API key in APPLE_API_* (beforePack refuses a build without it).
    notarize: true,
    // V8 (Electron's and the helper's Node) needs JIT under the hardened runtime; nothing else is granted.
    entitlements: 'build/entitlements.mac.plist',
    entitlementsInherit: 'build/entitlements.mac.plist',
    // A menu-bar app: no Dock icon, no app menu.
    extendInfo: { LSUIElement: true },
    extraResources: commandResources('darwin'),
    // The helper SEA is a Mach-O outside the ASAR: signed (hardened, with the entitlements) with the app, or Gatekeeper kills it.
    binaries: ['Contents/Resources/bin/tray-cred-helper'],
  },
  win: {
    target: 'nsis',
    icon: 'build/icons/icon.png',
    // The keyring's .node addon is signed with the executables (SmartScreen and WDAC check every loaded module).
    signExts: ['.node'],
    // electron-updater installs an update only if its Authenticode signature names this publisher.
    verifyUpdateCodeSignature: true,
    signtoolOptions: { publisherName: ['tray-cred maintainers'] },
    extraResources: commandResources('win32'),
  },
  // build/installer.nsh (electron-builder's default include) puts resources\bin on the user's Path.
  nsis: { include: 'build/installer.nsh' },
  linux: {
    target: ['deb', 'AppImage'],
    category: 'Utility',
    icon: 'build/icons',
    synopsis: 'AWS credential agent in the tray',
    // The .deb needs a maintainer with an address; package.json has no author to take it from.
    maintainer: 'tray-cred maintainers <maintainers@traycred.dev>',
    extraResources: commandResources('linux'),
  },
  // The recommended Linux package. Its maintainer scripts put tray-cred and tray-cred-helper in /usr/bin and install
  // the AppArmor profile Ubuntu 24.04+ needs (electron-builder writes it to resources/apparmor-profile).
  deb: { afterInstall: 'build/linux/after-install.tpl', afterRemove: 'build/linux/after-remove.tpl' },
};
