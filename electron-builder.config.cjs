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
const { existsSync } = require('node:fs');
const path = require('node:path');

/** electron-builder's Arch enum, by index. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];
const exe = (platform) => (platform === 'win32' ? 'tray-cred-helper.exe' : 'tray-cred-helper');
const helperResource = (platform) => [{ from: `dist/sea/${exe(platform)}`, to: `bin/${exe(platform)}` }];

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
    'node_modules/@napi-rs/keyring/**/*',
    'node_modules/@napi-rs/keyring-*/**/*',
    // koffi (the kernel's answer to "who connected": SO_PEERCRED, LOCAL_PEERPID) loads these files
    // (its ESM entry for import(), its CommonJS one for require()) and its platform package; its
    // C++ sources, CMake files and docs stay out.
    'node_modules/koffi/{package.json,index.cjs,index.js,LICENSE.txt}',
    'node_modules/koffi/src/koffi/index.{cjs,js}',
    'node_modules/koffi/src/koffi/src/static.{cjs,js}',
    'node_modules/@koromix/koffi-*/**/*',
    '!node_modules/**/*.{md,d.ts,map}',
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
    for (const { from } of context.packager.platformSpecificBuildOptions.extraResources ?? []) {
      const file = path.resolve(context.packager.projectDir, from);
      if (!existsSync(file))
        throw new Error(`${from} is missing: run \`node build/helper-sea.ts\` first (npm run dist does)`);
    }
  },
  mac: {
    target: 'dmg',
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
    extraResources: helperResource('darwin'),
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
    extraResources: helperResource('win32'),
  },
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Utility',
    icon: 'build/icons',
    synopsis: 'AWS credential agent in the tray',
    // The .deb needs a maintainer with an address; package.json has no author to take it from.
    maintainer: 'tray-cred maintainers <maintainers@traycred.dev>',
    extraResources: helperResource('linux'),
  },
};
