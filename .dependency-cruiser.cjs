/**
 * The layers of ARCHITECTURE.md, checked on every `npm test`. Each rule says what a folder may
 * not reach; `npm run lint` prints the offending import.
 */
const CORE_BUILTINS_ALLOWED = '^(node:)?(crypto|path)$';
module.exports = {
  forbidden: [
    {
      name: 'common-imports-nothing',
      comment: 'common/ is the vocabulary every layer imports, the sandboxed pages included: it imports only its own files, no Node or DOM API and no library.',
      severity: 'error',
      from: { path: '^common/' },
      to: { pathNot: '^common/' },
    },
    {
      name: 'electron-only-in-electron-layers',
      comment: 'Only main/electron/ and preload/ may import electron.',
      severity: 'error',
      from: { pathNot: '^(main/electron|preload|test)/' },
      to: { path: '(^|/)node_modules/electron/|^electron$' },
    },
    {
      name: 'helper-imports-builtins-and-its-wire-only',
      comment: 'The helper bundles into one small file: Node built-ins, its own wire contract, client, paths and frame reader (helper/wire.ts, approval-wire.ts, client.ts, paths.ts, line-frame.ts), the Windows pipe check (win32-pipe.ts, loaded on Windows only) and the vocabulary in common/, nothing else.',
      severity: 'error',
      from: { path: '^helper/' },
      to: { dependencyTypesNot: ['core'], pathNot: '^helper/(wire|approval-wire|client|paths|line-frame|tray-cred-helper|win32-pipe)\\.ts$|^common/|(^|/)node_modules/koffi/' },
    },
    {
      name: 'helper-loads-koffi-only-for-the-windows-pipe-check',
      comment: 'koffi (FFI) is the one npm module the helper may use: in helper/win32-pipe.ts, by type at build time and by require() at run time on Windows only, so the helper never loads it on Linux or macOS.',
      severity: 'error',
      from: { path: '^helper/', pathNot: '^helper/win32-pipe\\.ts$' },
      to: { path: '(^|/)node_modules/koffi/' },
    },
    {
      name: 'core-reaches-io-through-ports',
      comment: 'main/core is pure logic: no fs, net, child_process, os or other I/O built-ins.',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { dependencyTypes: ['core'], pathNot: CORE_BUILTINS_ALLOWED },
    },
    {
      name: 'core-depends-on-nothing-above-it',
      comment: 'main/core knows neither the wire nor the windows: it may use common/ and npm libraries, never helper/, preload/, main/node, main/electron or renderer.',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: '^(main/node|main/electron|renderer|preload|helper)/' },
    },
    {
      name: 'node-layer-stays-electron-free',
      comment: 'main/node runs in plain Node (CLI, headless agent): it may not use main/electron, and speaks the wire, not the windows\' API.',
      severity: 'error',
      from: { path: '^main/node/' },
      to: { path: '^(main/electron|renderer|preload)/' },
    },
    {
      name: 'main-uses-the-wire-not-the-helper-program',
      comment: 'The wire contract, its client, the socket paths, the frame reader and the Windows pipe check are shared (the agent serves the wire, the CLI talks to the agent, the agent probes its pipe name); the helper program itself is not.',
      severity: 'error',
      from: { path: '^main/' },
      to: { path: '^helper/(?!(wire|approval-wire|console-wire|client|paths|line-frame|win32-pipe)\\.ts$)' },
    },
    {
      name: 'renderer-is-a-sandboxed-page',
      comment: 'Renderer code runs in a sandboxed page: no Node built-ins, only its own files, common/, types from preload/api.ts, and the browser libraries bundled into it (table virtualization, the timeline chart).',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { pathNot: '^renderer/|^common/|^preload/api\\.ts$|(^|/)node_modules/@tanstack/virtual-core/|(^|/)node_modules/uplot/' },
    },
    {
      name: 'preload-exposes-only-its-api',
      comment: 'The sandboxed preload may use electron (contextBridge, ipcRenderer), preload/api.ts and common/, nothing else.',
      severity: 'error',
      from: { path: '^preload/' },
      to: { pathNot: '^preload/|^common/|^electron$|(^|/)node_modules/electron/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'] },
  },
};
