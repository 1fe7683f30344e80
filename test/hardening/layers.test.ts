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
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', allowImportingTsExtensions: true, noEmit: true }, include: ['.'] }),
  'common/words.ts': 'export const WORD = 1;\n',
  'helper/wire.ts': "import { WORD } from '../common/words.ts';\nexport const wire = WORD;\n",
  'main/core/logic.ts': "import { createHash } from 'node:crypto';\nimport { WORD } from '../../common/words.ts';\nexport const logic = [createHash, WORD];\n",
  'main/node/adapter.ts': "import { readFileSync } from 'node:fs';\nimport { wire } from '../../helper/wire.ts';\nimport { logic } from '../core/logic.ts';\nexport const adapter = [readFileSync, wire, logic];\n",
  'renderer/page.ts': "import { WORD } from '../common/words.ts';\nexport const page = WORD;\n",
};

/** Each file breaks one rule, named beside it. */
const VIOLATIONS: { file: string; text: string; rule: string }[] = [
  { file: 'main/core/wire-probe.ts', text: "import { wire } from '../../helper/wire.ts';\nexport const a = wire;\n", rule: 'core-depends-on-nothing-above-it' },
  { file: 'main/core/fs-probe.ts', text: "import { readFileSync } from 'node:fs';\nexport const b = readFileSync;\n", rule: 'core-reaches-io-through-ports' },
  { file: 'main/core/node-probe.ts', text: "import { adapter } from '../node/adapter.ts';\nexport const c = adapter;\n", rule: 'core-depends-on-nothing-above-it' },
  { file: 'common/path-probe.ts', text: "import { join } from 'node:path';\nexport const d = join;\n", rule: 'common-imports-nothing' },
  { file: 'common/up-probe.ts', text: "import { logic } from '../main/core/logic.ts';\nexport const e = logic;\n", rule: 'common-imports-nothing' },
  { file: 'renderer/core-probe.ts', text: "import { logic } from '../main/core/logic.ts';\nexport const f = logic;\n", rule: 'renderer-is-a-sandboxed-page' },
  { file: 'main/node/electron-probe.ts', text: "import { app } from 'electron';\nexport const g = app;\n", rule: 'electron-only-in-electron-layers' },
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
    const r = await promisify(execFile)(DEPCRUISE, ['--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err', 'common', 'helper', 'main', 'renderer'], { cwd: dir, timeout: 120_000, killSignal: 'SIGKILL' });
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
    assert.ok(r.output.split('\n').some((line) => line.includes(`error ${v.rule}: ${v.file} `)), `${v.file} should break ${v.rule}:\n${r.output}`);
  }
});
