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
    comment:
      "The core's own vocabulary (main/core/*.ts: errors, limits, settings) and its ports import no concern folder.",
    severity: 'error',
    from: { path: '^main/core/([^/]+\\.ts$|ports/)' },
    to: { path: `^main/core/(${CORE_FOLDERS.filter((f) => f !== 'ports').join('|')})/` },
  },
  only('main/core', 'profiles', [], 'A profile record and its checks: the vocabulary the other folders share.'),
  only(
    'main/core',
    'aws',
    ['profiles'],
    "The user's AWS files (config, credentials, the openssl recipe) know profiles, nothing of the agent.",
  ),
  only('main/core', 'audit', [], 'The audit log knows nothing above it: history reads audit, never the reverse.'),
  only('main/core', 'history', ['audit'], 'The history reads the audit log and nothing else of the core.'),
  only(
    'main/core',
    'approval',
    ['profiles'],
    'Who asks and how far an allow reaches: it knows profiles only; the pipeline joins it to the rest.',
  ),
  only(
    'main/core',
    'vault',
    ['profiles', 'audit'],
    'The vault, its keys and their custody: profiles inside it, the audit log it writes to.',
  ),
  only(
    'main/core',
    'sources',
    ['profiles', 'aws', 'vault'],
    'One credential provider per file; the pipeline picks them.',
  ),
  {
    name: 'core-only-the-pipeline-composes-the-stages',
    comment: 'main/core/pipeline/ (the broker and its stages) is the top of the core: no other core folder imports it.',
    severity: 'error',
    from: { path: '^main/core/', pathNot: '^main/core/pipeline/' },
    to: { path: '^main/core/pipeline/' },
  },
  only(
    'main/node',
    'platform',
    [],
    "The ports' implementations on Node: the keychain, files, clock, D-Bus, the Windows pipe, autostart.",
  ),
  only('main/node', 'audit', ['platform'], 'Audit and history workers, the follower and the system-log forwarder.'),
  only(
    'main/node',
    'client',
    ['platform'],
    'The one agent client: every command and the tray call the agent through it.',
  ),
  only('main/node', 'aws', ['platform', 'client'], 'The AWS SDK adapters and the flows on them (rotation, sign-in).'),
  only(
    'main/node',
    'service',
    ['platform', 'client'],
    'systemd and launchd units; `service status` asks the agent through the client.',
  ),
  only(
    'main/node',
    'agent',
    ['platform', 'audit', 'aws'],
    'The agent: socket, peer verification, the wire↔core mapping.',
  ),
  only('main/node', 'setup', ['platform', 'service', 'aws', 'client'], "Setup and the helper's install."),
  only('main/node', 'exec', ['platform', 'aws', 'client'], '`exec`, its endpoint and the console sign-in.'),
  only('main/node', 'app', ['platform', 'audit', 'aws', 'client', 'exec'], "The windows' services, Electron-free."),
  {
    name: 'audit-file-cap-only-in-the-line-reader',
    comment:
      "Of the log's modules (main/core/audit, main/core/history, main/node/audit), only the line reader (audit-lines.ts, audit-lines-sync.ts) reads whole files or applies the audit file cap (file-limits.ts): every other reader goes through it.",
    severity: 'error',
    from: {
      path: '^main/(core/audit|core/history|node/audit)/',
      pathNot: '^main/(core/audit/audit-lines|node/audit/audit-lines-sync)\\.ts$',
    },
    to: { path: '^main/core/file-limits\\.ts$' },
  },
  {
    name: 'node-audit-files-opened-only-by-the-line-reader',
    comment:
      "Audit files are read line by line in one place: main/core/audit/audit-lines.ts through the FileSystem port (test/core/audit-lines.test.ts checks that no other module calls the port's reads on them), and its synchronous read for parallel verify's threads, main/node/audit/audit-lines-sync.ts, the only module of main/node/audit that opens a file. system-log-forwarder.ts only asks whether journald's socket exists.",
    severity: 'error',
    from: { path: '^main/node/audit/', pathNot: '^main/node/audit/(audit-lines-sync|system-log-forwarder)\\.ts$' },
    to: { dependencyTypes: ['core'], path: '^(node:)?fs(/promises)?$' },
  },
  {
    name: 'node-cli-is-the-top',
    comment:
      'main/node/cli/ (the commands and their composition root) is imported by nothing else, but for the contract its helpers take (cli/context.ts).',
    severity: 'error',
    from: { path: '^main/node/', pathNot: '^main/node/cli/' },
    to: { path: '^main/node/cli/(?!context\\.ts$)' },
  },
];

/**
 * The single places of issue 23: one way to reach the agent, one way to claim a caller. They hold
 * the production folders; test/ and build/ are exempt, as their fuzzers and the load benchmark
 * speak raw (and forged) frames to the agent on purpose. What they cannot see: a module loaded by
 * `process.getBuiltinModule`, and a claim written out as an object literal (review catches those).
 */
const PRODUCTION = '^(common|helper|main|preload|renderer)/';
const SINGLE_PLACES = [
  {
    name: 'only-the-wire-client-and-the-listeners-open-sockets',
    comment:
      "Connecting to the agent's socket is helper/client.ts's job: node:net (and http, https, http2, tls, which connect to a socket path as well) may be loaded only there and by the two listeners, the agent's socket server (which also probes its own path for a live agent) and exec's local credential endpoint. A type from them (Socket, AddressInfo) is fine anywhere.",
    severity: 'error',
    from: {
      path: PRODUCTION,
      pathNot: '^(helper/client|main/node/agent/socket-server|main/node/exec/credential-endpoint)\\.ts$',
    },
    to: { path: '^(node:)?(net|http|https|http2|tls)$', dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'only-the-agent-client-calls-the-agent',
    comment:
      'In main/, only main/node/client/agent-client.ts uses the wire client (helper/client.ts): every command and service calls the agent through it, with its request ids, time-outs and one mapping of failures to exit statuses. The helper program has its own, in its own bundle.',
    severity: 'error',
    from: { path: '^main/', pathNot: '^main/node/client/agent-client\\.ts$' },
    to: { path: '^helper/client\\.ts$' },
  },
  {
    name: 'only-the-caller-builders-make-a-caller-claim',
    comment:
      'A caller claim is made by helper/caller-claim.ts, used by the two that know a caller: the helper (its parent, from /proc) and main/node/client/this-process.ts (this process: a command through the agent client, the tray app to its broker). Everything else takes the claim they make.',
    severity: 'error',
    from: { path: PRODUCTION, pathNot: '^(helper/tray-cred-helper|main/node/client/this-process)\\.ts$' },
    to: { path: '^helper/caller-claim\\.ts$' },
  },
];

/**
 * One composition root per kind of process builds its services, once (ARCHITECTURE.md):
 * main/node/cli/cli-context.ts for a `tray-cred` command and the headless agent (a command too),
 * main/electron/app.ts for the tray app. Depcruise sees imports, not `new`: a module that builds
 * a service imports its class as a value; every other module may name it by type only.
 */
const ROOTS = '^main/node/cli/cli-context\\.ts$|^main/electron/app\\.ts$';
const COMPOSITION_RULES = [
  {
    name: 'only-the-composition-roots-compose',
    comment:
      "node-services.ts (the ports' Node adapters, the vault, the audit log) and aws-clients.ts (the AWS SDK adapters) are called by the composition roots alone; everything else is handed what it needs.",
    severity: 'error',
    from: { path: '^main/', pathNot: ROOTS },
    to: { path: '^main/node/(platform/node-services|aws/aws-clients)\\.ts$', dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'only-the-composition-builds-adapters',
    comment:
      "The ports' Node adapters are constructed in node-services.ts and aws-clients.ts alone; a worker thread, which cannot be handed one, builds its own file system (history-worker.ts).",
    severity: 'error',
    from: { path: '^main/', pathNot: '^main/node/(platform/node-services|aws/aws-clients|audit/history-worker)\\.ts$' },
    to: {
      path: '^main/node/(platform/(keyring-keychain|node-file-system|system-clock|shell-command-runner)|aws/(aws-sts|aws-identity-center|aws-access-keys))\\.ts$',
      dependencyTypesNot: ['type-only'],
    },
  },
  {
    name: 'only-the-composition-builds-services',
    comment:
      "The vault and the audit log are built in node-services.ts, the history index by the roots, and the agent's own services (the broker, its credential source, the programs seen) in agent-runtime.ts, the agent's part of both roots that run one.",
    severity: 'error',
    from: { path: '^main/', pathNot: `${ROOTS}|^main/node/(platform/node-services|agent/agent-runtime)\\.ts$` },
    to: {
      path: '^main/core/(vault/vault|audit/audit-log|pipeline/broker|pipeline/credential-source|history/history-index|history/programs-seen)\\.ts$',
      dependencyTypesNot: ['type-only'],
    },
  },
];

module.exports = {
  forbidden: [
    {
      name: 'common-imports-nothing',
      comment:
        'common/ is the vocabulary every layer imports, the sandboxed pages included: it imports only its own files, no Node or DOM API and no library.',
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
      comment:
        'The helper bundles into one small file: Node built-ins, its own wire contract, client, caller claim, paths and frame reader (helper/wire.ts, approval-wire.ts, client.ts, caller-claim.ts, paths.ts, line-frame.ts), the Windows pipe check (win32-pipe.ts, loaded on Windows only) and the vocabulary in common/, nothing else.',
      severity: 'error',
      from: { path: '^helper/' },
      to: {
        dependencyTypesNot: ['core'],
        pathNot:
          '^helper/(wire|approval-wire|client|caller-claim|paths|line-frame|tray-cred-helper|win32-pipe)\\.ts$|^common/|(^|/)node_modules/koffi/',
      },
    },
    {
      name: 'helper-loads-koffi-only-for-the-windows-pipe-check',
      comment:
        'koffi (FFI) is the one npm module the helper may use: in helper/win32-pipe.ts, by type at build time and by require() at run time on Windows only, so the helper never loads it on Linux or macOS.',
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
      comment:
        'main/core knows neither the wire nor the windows: it may use common/ and npm libraries, never helper/, preload/, main/node, main/electron or renderer.',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: '^(main/node|main/electron|renderer|preload|helper)/' },
    },
    {
      name: 'node-layer-stays-electron-free',
      comment:
        "main/node runs in plain Node (CLI, headless agent): it may not use main/electron. Only main/node/app/ (the windows' services, Electron-free) speaks the windows' API, preload/api.ts.",
      severity: 'error',
      from: { path: '^main/node/', pathNot: '^main/node/app/' },
      to: { path: '^(main/electron|renderer|preload)/' },
    },
    {
      name: 'node-app-uses-only-the-windows-api',
      comment:
        "main/node/app/ may use preload/api.ts (the windows' API it serves), never the preload script, the pages or main/electron.",
      severity: 'error',
      from: { path: '^main/node/app/' },
      to: { path: '^(main/electron|renderer)/|^preload/(?!api\\.ts$)' },
    },
    {
      name: 'node-layer-speaks-the-windows-api-only-in-app',
      comment: "The windows' API (preload/api.ts) is served from main/node/app/ and nowhere else in main/node.",
      severity: 'error',
      from: { path: '^main/node/', pathNot: '^main/node/app/' },
      to: { path: '^preload/' },
    },
    ...FOLDER_RULES,
    ...COMPOSITION_RULES,
    {
      name: 'main-uses-the-wire-not-the-helper-program',
      comment:
        'The wire contract, its client, the caller claim, the socket paths, the frame reader and the Windows pipe check are shared (the agent serves the wire, the CLI talks to the agent, the agent probes its pipe name); the helper program itself is not.',
      severity: 'error',
      from: { path: '^main/' },
      to: {
        path: '^helper/(?!(wire|approval-wire|console-wire|client|caller-claim|paths|line-frame|win32-pipe)\\.ts$)',
      },
    },
    ...SINGLE_PLACES,
    {
      name: 'renderer-is-a-sandboxed-page',
      comment:
        'Renderer code runs in a sandboxed page: no Node built-ins, only its own files, common/, types from preload/api.ts, and the browser libraries bundled into it (table virtualization, the timeline chart).',
      severity: 'error',
      from: { path: '^renderer/' },
      to: {
        pathNot:
          '^renderer/|^common/|^preload/api\\.ts$|(^|/)node_modules/@tanstack/virtual-core/|(^|/)node_modules/uplot/',
      },
    },
    {
      name: 'preload-exposes-only-its-api',
      comment:
        'The sandboxed preload may use electron (contextBridge, ipcRenderer), preload/api.ts and common/, nothing else.',
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
