/**
 * The layers of ARCHITECTURE.md, checked on every `npm test`. Each rule says what a folder may
 * not reach; `npm run lint` prints the offending import.
 */
const CORE_BUILTINS_ALLOWED = '^(node:)?(crypto|path)$';
/**
 * The sub-folders of main/core and main/node and what each may not reach (ARCHITECTURE.md). Core,
 * bottom to top: the kernel (main/core/*.ts: errors, limits, settings) and ports/; profiles/ (the
 * record); aws/ (the user's AWS files); audit/; history/ (reads audit, never the reverse);
 * approval/; vault/; sources/ (one provider per file); pipeline/ (the broker, the only place that
 * composes the stages). Node: platform/ (the ports' implementations) at the bottom; audit/, aws/,
 * client/ (the one agent client), service/ above it; agent/, setup/, exec/, app/; cli/ on top.
 * cli/context.ts is the contract a command's helpers take, so any folder may name its type.
 */
const CORE_FOLDERS = ['ports', 'profiles', 'aws', 'audit', 'history', 'approval', 'vault', 'sources', 'pipeline'];
const NODE_FOLDERS = ['platform', 'audit', 'aws', 'client', 'service', 'agent', 'setup', 'exec', 'app', 'cli'];
/** A rule that `folder` reaches no sibling but `allowed` (and the core's ports, which every core folder may use). */
const only = (layer, folder, allowed, why) => ({
  name: `${layer.split('/')[1]}-${folder}-reaches-only-${allowed.length ? allowed.join('-') : 'the-kernel'}`,
  comment: why,
  severity: 'error',
  from: { path: `^${layer}/${folder}/` },
  to: {
    path: `^${layer}/(${(layer === 'main/core' ? CORE_FOLDERS : NODE_FOLDERS).filter((f) => f !== folder && f !== 'ports' && !allowed.includes(f)).join('|')})/`,
    pathNot: '^main/node/cli/context\\.ts$',
  },
});
const FOLDER_RULES = [
  {
    name: 'core-kernel-is-the-bottom',
    comment: 'The core\'s own vocabulary (main/core/*.ts: errors, limits, settings) and its ports import no concern folder.',
    severity: 'error',
    from: { path: '^main/core/([^/]+\\.ts$|ports/)' },
    to: { path: `^main/core/(${CORE_FOLDERS.filter((f) => f !== 'ports').join('|')})/` },
  },
  only('main/core', 'profiles', [], 'A profile record and its checks: the vocabulary the other folders share.'),
  only('main/core', 'aws', ['profiles'], 'The user\'s AWS files (config, credentials, the openssl recipe) know profiles, nothing of the agent.'),
  only('main/core', 'audit', [], 'The audit log knows nothing above it: history reads audit, never the reverse.'),
  only('main/core', 'history', ['audit'], 'The history reads the audit log and nothing else of the core.'),
  only('main/core', 'approval', ['profiles'], 'Who asks and how far an allow reaches: it knows profiles only; the pipeline joins it to the rest.'),
  only('main/core', 'vault', ['profiles', 'audit'], 'The vault, its keys and their custody: profiles inside it, the audit log it writes to.'),
  only('main/core', 'sources', ['profiles', 'aws', 'vault'], 'One credential provider per file; the pipeline picks them.'),
  {
    name: 'core-only-the-pipeline-composes-the-stages',
    comment: 'main/core/pipeline/ (the broker and its stages) is the top of the core: no other core folder imports it.',
    severity: 'error',
    from: { path: '^main/core/', pathNot: '^main/core/pipeline/' },
    to: { path: '^main/core/pipeline/' },
  },
  only('main/node', 'platform', [], 'The ports\' implementations on Node: the keychain, files, clock, D-Bus, the Windows pipe, autostart.'),
  only('main/node', 'audit', ['platform'], 'Audit and history workers, the follower and the system-log forwarder.'),
  only('main/node', 'client', ['platform'], 'The one agent client: every command and the tray call the agent through it.'),
  only('main/node', 'aws', ['platform', 'client'], 'The AWS SDK adapters and the flows on them (rotation, sign-in).'),
  only('main/node', 'service', ['platform'], 'systemd and launchd units.'),
  only('main/node', 'agent', ['platform', 'audit', 'aws'], 'The agent: socket, peer verification, the wire↔core mapping.'),
  only('main/node', 'setup', ['platform', 'service', 'aws', 'client'], 'Setup and the helper\'s install.'),
  only('main/node', 'exec', ['platform', 'aws', 'client'], '`exec`, its endpoint and the console sign-in.'),
  only('main/node', 'app', ['platform', 'audit', 'aws', 'client', 'exec'], 'The windows\' services, Electron-free.'),
  {
    name: 'audit-file-cap-only-in-the-line-reader',
    comment:
      'Of the log\'s modules (main/core/audit, main/core/history, main/node/audit), only the line reader (audit-lines.ts, audit-lines-sync.ts) reads whole files or applies the audit file cap (file-limits.ts): every other reader goes through it.',
    severity: 'error',
    from: { path: '^main/(core/audit|core/history|node/audit)/', pathNot: '^main/(core/audit/audit-lines|node/audit/audit-lines-sync)\\.ts$' },
    to: { path: '^main/core/file-limits\\.ts$' },
  },
  {
    name: 'node-audit-files-opened-only-by-the-line-reader',
    comment:
      'Audit files are read line by line in one place: main/core/audit/audit-lines.ts through the FileSystem port (test/core/audit-lines.test.ts checks that no other module calls the port\'s reads on them), and its synchronous read for parallel verify\'s threads, main/node/audit/audit-lines-sync.ts, the only module of main/node/audit that opens a file. system-log-forwarder.ts only asks whether journald\'s socket exists.',
    severity: 'error',
    from: { path: '^main/node/audit/', pathNot: '^main/node/audit/(audit-lines-sync|system-log-forwarder)\\.ts$' },
    to: { dependencyTypes: ['core'], path: '^(node:)?fs(/promises)?$' },
  },
  {
    name: 'node-cli-is-the-top',
    comment: 'main/node/cli/ (the commands and their composition root) is imported by nothing else, but for the contract its helpers take (cli/context.ts).',
    severity: 'error',
    from: { path: '^main/node/', pathNot: '^main/node/cli/' },
    to: { path: '^main/node/cli/(?!context\\.ts$)' },
  },
];

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
      comment: 'main/node runs in plain Node (CLI, headless agent): it may not use main/electron. Only main/node/app/ (the windows\' services, Electron-free) speaks the windows\' API, preload/api.ts.',
      severity: 'error',
      from: { path: '^main/node/', pathNot: '^main/node/app/' },
      to: { path: '^(main/electron|renderer|preload)/' },
    },
    {
      name: 'node-app-uses-only-the-windows-api',
      comment: 'main/node/app/ may use preload/api.ts (the windows\' API it serves), never the preload script, the pages or main/electron.',
      severity: 'error',
      from: { path: '^main/node/app/' },
      to: { path: '^(main/electron|renderer)/|^preload/(?!api\\.ts$)' },
    },
    {
      name: 'node-layer-speaks-the-windows-api-only-in-app',
      comment: 'The windows\' API (preload/api.ts) is served from main/node/app/ and nowhere else in main/node.',
      severity: 'error',
      from: { path: '^main/node/', pathNot: '^main/node/app/' },
      to: { path: '^preload/' },
    },
    ...FOLDER_RULES,
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
