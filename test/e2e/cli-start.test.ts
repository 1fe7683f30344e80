/**
 * The built CLI loads only the chunk of the command typed (main/node/cli/command-table.ts): what a user
 * sees must not depend on it. `tray-cred <cmd> --help` (that command's chunk alone) against
 * `tray-cred help <cmd>` (every command loaded), a missing chunk named as a broken install, and
 * `audit verify`'s worker beside the chunk that starts it.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { NODE_BIN, ROOT, TRAY_CRED, makeSandbox, requireBuild, run } from './support.ts';

const DIST = join(ROOT, 'dist');
const CHUNKS = join(DIST, 'tray-cred-chunks');

test("each command's help is the same whether its chunk is loaded alone or every command is", async (t) => {
  const sandbox = await makeSandbox();
  t.after(() => sandbox.cleanup());
  const top = await sandbox.trayCred(['--help']);
  assert.equal(top.status, 0);
  const commands = [...top.stdout.split('Commands:')[1]!.matchAll(/^ {2}([a-z][\w-]*)/gm)]
    .map((m) => m[1]!)
    .filter((c) => c !== 'help');
  assert.ok(commands.length > 25, `commands found in --help: ${commands.join(' ')}`);
  for (const command of commands) {
    const alone = await sandbox.trayCred([command, '--help']);
    const all = await sandbox.trayCred(['help', command]);
    assert.equal(alone.status, 0, `tray-cred ${command} --help: ${alone.stderr}`);
    assert.deepEqual(
      { status: alone.status, stdout: alone.stdout, stderr: alone.stderr },
      { status: all.status, stdout: all.stdout, stderr: all.stderr },
      command,
    );
  }
});

test('a chunk missing from the install is named, with the fix, and the ENVIRONMENT status; the others still run', async (t) => {
  requireBuild();
  const copy = await mkdtemp('/tmp/tc-broken-install-');
  t.after(() => rm(copy, { recursive: true, force: true }));
  await cp(join(DIST, 'tray-cred.mjs'), join(copy, 'tray-cred.mjs'));
  await cp(CHUNKS, join(copy, 'tray-cred-chunks'), { recursive: true });
  const auditChunk = (await readdir(join(copy, 'tray-cred-chunks'))).find((f) => /^audit-[A-Z0-9]+\.mjs$/.test(f));
  assert.ok(auditChunk, 'the audit command has a chunk of its own');
  await rm(join(copy, 'tray-cred-chunks', auditChunk));
  const env = { PATH: `${NODE_BIN}:/usr/bin:/bin`, HOME: copy };
  const broken = await run(join(NODE_BIN, 'node'), [join(copy, 'tray-cred.mjs'), 'audit', '--limit', '5'], { env });
  assert.equal(broken.status, EXIT_STATUS.ENVIRONMENT);
  assert.equal(broken.stdout, '');
  assert.equal(
    broken.stderr,
    `tray-cred: this installation of tray-cred is incomplete (${join(copy, 'tray-cred-chunks', auditChunk)} is missing): reinstall tray-cred\n`,
  );
  const version = await run(join(NODE_BIN, 'node'), [join(copy, 'tray-cred.mjs'), '--version'], { env });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^tray-cred \S+ \(Node v\d+/);
});

test("audit verify's worker is beside every bundle file that starts it", async () => {
  requireBuild();
  const files = [
    join(DIST, 'tray-cred.mjs'),
    ...(await readdir(CHUNKS))
      .filter((f) => f.endsWith('.mjs') && f !== 'audit-verify-worker.mjs')
      .map((f) => join(CHUNKS, f)),
  ];
  const starters = [];
  for (const file of files)
    if ((await readFile(file, 'utf8')).includes('./audit-verify-worker.mjs')) starters.push(file);
  assert.ok(starters.length > 0, 'some bundle file starts the workers');
  for (const file of starters)
    assert.ok(existsSync(join(dirname(file), 'audit-verify-worker.mjs')), `the worker beside ${file}`);
});

test('dist/bin/tray-cred still runs dist/tray-cred.mjs', async () => {
  requireBuild();
  const r = await run(TRAY_CRED, ['--version'], { env: { PATH: `${NODE_BIN}:/usr/bin:/bin` } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^tray-cred \S+ \(Node v\d+/);
});
