import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShellCommandRunner } from '../../main/node/platform/shell-command-runner.ts';

describe('ShellCommandRunner', () => {
  const runner = new ShellCommandRunner();

  it('returns exit status, stdout and stderr', async () => {
    assert.deepEqual(await runner.run('printf out; printf err >&2; exit 3', 5_000), {
      exitCode: 3,
      stdout: 'out',
      stderr: 'err',
      timedOut: false,
    });
  });

  it('answers at its time limit even when a grandchild in another session keeps the pipes open', async () => {
    const started = Date.now();
    const r = await runner.run('setsid sleep 30 & sleep 20', 300);
    assert.equal(r.timedOut, true);
    assert.ok(Date.now() - started < 10_000, 'the answer did not wait for the grandchild');
  });
});
