/**
 * The layer rules (.dependency-cruiser.cjs) attacked: a throw-away tree with one file breaking
 * each rule must fail `depcruise` with that rule named, and the same tree without them must pass.
 * A rule that stopped matching (a renamed folder, a loosened pattern) would let the next
 * violation into `npm test` silently.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

const CLEAN: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      allowImportingTsExtensions: true,
      noEmit: true,
    },
    include: ['.'],
  }),
  'common/words.ts': 'export const WORD = 1;\n',
  'helper/wire.ts': "import { WORD } from '../common/words.ts';\nexport const wire = WORD;\n",
  'main/core/logic.ts':
    "import { createHash } from 'node:crypto';\nimport { WORD } from '../../common/words.ts';\nexport const logic = [createHash, WORD];\n",
  'main/node/adapter.ts':
    "import { readFileSync } from 'node:fs';\nimport { wire } from '../../helper/wire.ts';\nimport { logic } from '../core/logic.ts';\nexport const adapter = [readFileSync, wire, logic];\n",
  'renderer/page.ts': "import { WORD } from '../common/words.ts';\nexport const page = WORD;\n",
  'main/core/audit/log.ts': "import { logic } from '../logic.ts';\nexport const log = logic;\n",
  'main/core/history/index.ts': "import { log } from '../audit/log.ts';\nexport const index = log;\n",
  'main/core/pipeline/broker.ts': "import { index } from '../history/index.ts';\nexport const broker = index;\n",
  'main/node/platform/files.ts': "import { logic } from '../../core/logic.ts';\nexport const files = logic;\n",
  'main/node/cli/context.ts': 'export interface Context { out(text: string): void }\n',
  'helper/client.ts':
    "import { createConnection } from 'node:net';\nimport { wire } from './wire.ts';\nexport const send = [createConnection, wire];\n",
  'helper/caller-claim.ts': "import { WORD } from '../common/words.ts';\nexport const claim = WORD;\n",
  'main/node/client/agent-client.ts': "import { send } from '../../../helper/client.ts';\nexport const agent = send;\n",
  'main/node/client/this-process.ts':
    "import { claim } from '../../../helper/caller-claim.ts';\nexport const self = claim;\n",
  'main/node/agent/socket-server.ts': "import { createServer } from 'node:net';\nexport const server = createServer;\n",
  'main/node/agent/peer.ts': "import type { Socket } from 'node:net';\nexport type Peer = Socket;\n",
  'main/node/app/service.ts':
    "import type { Context } from '../cli/context.ts';\nimport type { Vault } from '../../core/vault/vault.ts';\nexport const service = (c: Context, v?: Vault): void => c.out(String(v));\n",
  'main/core/vault/vault.ts': 'export class Vault {}\n',
  'main/node/platform/node-file-system.ts': 'export class NodeFileSystem {}\n',
  'main/node/platform/node-services.ts':
    "import { Vault } from '../../core/vault/vault.ts';\nimport { NodeFileSystem } from './node-file-system.ts';\nexport const nodeServices = () => [new Vault(), new NodeFileSystem()];\n",
  // A composition root: it may build the broker, and call node-services.ts.
  'main/node/cli/cli-context.ts':
    "import { broker } from '../../core/pipeline/broker.ts';\nimport { files } from '../platform/files.ts';\nimport { nodeServices } from '../platform/node-services.ts';\nexport const cli = [broker, files, nodeServices()];\n",
  'main/core/file-limits.ts': 'export const cap = 1;\n',
  'main/core/audit/audit-lines.ts': "import { cap } from '../file-limits.ts';\nexport const lines = cap;\n",
  'main/node/audit/audit-lines-sync.ts':
    "import { readSync } from 'node:fs';\nimport { cap } from '../../core/file-limits.ts';\nexport const linesSync = [readSync, cap];\n",
};

/** Each file breaks one rule, named beside it. */
const VIOLATIONS: { file: string; text: string; rule: string }[] = [
  {
    file: 'main/core/wire-probe.ts',
    text: "import { wire } from '../../helper/wire.ts';\nexport const a = wire;\n",
    rule: 'core-depends-on-nothing-above-it',
  },
  {
    file: 'main/core/fs-probe.ts',
    text: "import { readFileSync } from 'node:fs';\nexport const b = readFileSync;\n",
    rule: 'core-reaches-io-through-ports',
  },
  {
    file: 'main/core/node-probe.ts',
    text: "import { adapter } from '../node/adapter.ts';\nexport const c = adapter;\n",
    rule: 'core-depends-on-nothing-above-it',
  },
  {
    file: 'common/path-probe.ts',
    text: "import { join } from 'node:path';\nexport const d = join;\n",
    rule: 'common-imports-nothing',
  },
  {
    file: 'common/up-probe.ts',
    text: "import { logic } from '../main/core/logic.ts';\nexport const e = logic;\n",
    rule: 'common-imports-nothing',
  },
  {
    file: 'renderer/core-probe.ts',
    text: "import { logic } from '../main/core/logic.ts';\nexport const f = logic;\n",
    rule: 'renderer-is-a-sandboxed-page',
  },
  {
    file: 'main/node/electron-probe.ts',
    text: "import { app } from 'electron';\nexport const g = app;\n",
    rule: 'electron-only-in-electron-layers',
  },
  {
    file: 'main/core/audit/history-probe.ts',
    text: "import { index } from '../history/index.ts';\nexport const h = index;\n",
    rule: 'core-audit-reaches-only-the-kernel',
  },
  {
    file: 'main/core/vault/pipeline-probe.ts',
    text: "import { broker } from '../pipeline/broker.ts';\nexport const i = broker;\n",
    rule: 'core-only-the-pipeline-composes-the-stages',
  },
  {
    file: 'main/core/ports/audit-probe.ts',
    text: "import { log } from '../audit/log.ts';\nexport const j = log;\n",
    rule: 'core-kernel-is-the-bottom',
  },
  {
    file: 'main/node/platform/cli-probe.ts',
    text: "import { cli } from '../cli/cli-context.ts';\nexport const k = cli;\n",
    rule: 'node-cli-is-the-top',
  },
  {
    file: 'main/node/agent/app-probe.ts',
    text: "import { service } from '../app/service.ts';\nexport const l = service;\n",
    rule: 'node-agent-reaches-only-platform-audit-aws',
  },
  {
    file: 'main/node/cli/net-probe.ts',
    text: "import { createConnection } from 'node:net';\nexport const m = createConnection;\n",
    rule: 'only-the-wire-client-and-the-listeners-open-sockets',
  },
  {
    file: 'main/node/exec/http-probe.ts',
    text: "import { request } from 'http';\nexport const n = request;\n",
    rule: 'only-the-wire-client-and-the-listeners-open-sockets',
  },
  {
    file: 'main/node/cli/client-probe.ts',
    text: "import { send } from '../../../helper/client.ts';\nexport const o = send;\n",
    rule: 'only-the-agent-client-calls-the-agent',
  },
  {
    file: 'main/node/app/claim-probe.ts',
    text: "import { claim } from '../../../helper/caller-claim.ts';\nexport const p = claim;\n",
    rule: 'only-the-caller-builders-make-a-caller-claim',
  },
  {
    file: 'main/node/agent/compose-probe.ts',
    text: "import { nodeServices } from '../platform/node-services.ts';\nexport const m = nodeServices();\n",
    rule: 'only-the-composition-roots-compose',
  },
  {
    file: 'main/node/app/adapter-probe.ts',
    text: "import { NodeFileSystem } from '../platform/node-file-system.ts';\nexport const n = new NodeFileSystem();\n",
    rule: 'only-the-composition-builds-adapters',
  },
  {
    file: 'main/node/app/vault-probe.ts',
    text: "import { Vault } from '../../core/vault/vault.ts';\nexport const o = new Vault();\n",
    rule: 'only-the-composition-builds-services',
  },
  {
    file: 'main/node/audit/read-probe.ts',
    text: "import { openSync } from 'node:fs';\nexport const m = openSync;\n",
    rule: 'node-audit-files-opened-only-by-the-line-reader',
  },
  {
    file: 'main/core/history/cap-probe.ts',
    text: "import { cap } from '../file-limits.ts';\nexport const n = cap;\n",
    rule: 'audit-file-cap-only-in-the-line-reader',
  },
];

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tray-cred-layers-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

async function cruise(dir: string): Promise<{ status: number; output: string }> {
  try {
    const r = await promisify(execFile)(
      DEPCRUISE,
      [
        '--config',
        join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'err',
        'common',
        'helper',
        'main',
        'renderer',
      ],
      { cwd: dir, timeout: 120_000, killSignal: 'SIGKILL' },
    );
    return { status: 0, output: r.stdout + r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { status: e.code, output: e.stdout + e.stderr };
  }
}

test('the layer rules pass a tree that keeps them', async (t) => {
  const dir = await tree(CLEAN);
  t.after(() => rm(dir, { recursive: true, force: true }));
  const r = await cruise(dir);
  assert.equal(r.status, 0, r.output);
});

test('the layer rules refuse each kind of violation, naming the rule and the file', async (t) => {
  const dir = await tree({ ...CLEAN, ...Object.fromEntries(VIOLATIONS.map((v) => [v.file, v.text])) });
  t.after(() => rm(dir, { recursive: true, force: true }));
  const r = await cruise(dir);
  assert.notEqual(r.status, 0, 'depcruise must fail');
  for (const v of VIOLATIONS) {
    assert.ok(
      r.output.split('\n').some((line) => line.includes(`error ${v.rule}: ${v.file} `)),
      `${v.file} should break ${v.rule}:\n${r.output}`,
    );
  }
});
