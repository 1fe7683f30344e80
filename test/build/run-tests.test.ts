/**
 * build/run-tests.ts, the runner of build/test.sh, on fixture files outside the `*.test.ts`
 * glob: a file that never ends is killed at the per-file limit with what it started and
 * reported failed by its path, a test past the per-test limit fails, the other files still run,
 * and the output still ends with node:test's summary lines.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, run } from '../e2e/support.ts';
import { eventually, isRunning } from '../node/processes.ts';

const RUNNER = join(ROOT, 'build', 'run-tests.ts');
const FIXTURES = join(ROOT, 'test', 'build', 'fixtures');

/** This environment without what makes node:test think it runs inside another runner. */
function runnerEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!/^(NODE_TEST_|NODE_OPTIONS$)/.test(name)) env[name] = value;
  return { ...env, ...extra };
}

test('a stuck file is killed at the per-file limit with what it started, reported failed by path; the run goes on and ends with the summary', {
  timeout: 90_000,
}, async (t) => {
  const dir = await mkdtemp('/tmp/tc-runner-');
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pidsFile = join(dir, 'stuck.pids');
  const stuck = join(FIXTURES, 'stuck.ts');
  const began = Date.now();
  const r = await run(
    process.execPath,
    [
      RUNNER,
      '--file-timeout=8000',
      '--test-timeout=2000',
      join(FIXTURES, 'passes.ts'),
      join(FIXTURES, 'times-out.ts'),
      stuck,
    ],
    { env: runnerEnv({ STUCK_PIDS: pidsFile }), killAfterMs: 60_000 },
  );
  const took = Date.now() - began;
  assert.equal(r.signal, null, `the runner itself was killed by its guard after ${took} ms:\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.ok(took < 40_000, `the run took ${took} ms with an 8 s per-file limit`);

  assert.match(
    r.stderr,
    new RegExp(`✖ ${stuck}: still running after the per-file limit of 8 s: killed it and 1 process\\(es\\) it started`),
  );
  assert.match(
    r.stdout,
    new RegExp(`^✖ ${stuck} \\(\\d+(\\.\\d+)?ms\\)$`, 'm'),
    'the stuck file is a failed test named by its path',
  );
  assert.match(r.stdout, /^✔ passes \(/m, 'the other files ran');
  assert.match(
    r.stdout,
    /✖ waits 5 s, past the per-test limit[^\n]*\n\s+'test timed out after 2000ms'/,
    'a test without a limit of its own gets --test-timeout',
  );
  assert.match(
    r.stdout,
    /^ℹ tests 3\nℹ suites 0\nℹ pass 1\nℹ fail 1\nℹ cancelled 1\nℹ skipped 0\nℹ todo 0\nℹ duration_ms [\d.]+$/m,
    'the closing summary',
  );

  const pids = (await readFile(pidsFile, 'utf8')).trim().split(' ').map(Number);
  assert.equal(pids.length, 2);
  await eventually(
    `the stuck file's process and the grandchild holding its pipe (${pids.join(', ')}) to be gone`,
    () => pids.every((pid) => !isRunning(pid)),
    5_000,
  );
});

test('with --test-reporter=tap the summary is the TAP comment lines', { timeout: 60_000 }, async () => {
  const r = await run(process.execPath, [RUNNER, '--test-reporter=tap', join(FIXTURES, 'passes.ts')], {
    env: runnerEnv({}),
    killAfterMs: 45_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /^# tests 1\n# suites 0\n# pass 1\n# fail 0\n# cancelled 0\n# skipped 0\n# todo 0\n# duration_ms [\d.]+\n$/m,
  );
});
