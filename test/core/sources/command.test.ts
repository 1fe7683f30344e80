import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { UpstreamError, type TrayCredError } from '../../../main/core/errors.ts';
import type { CommandResult } from '../../../main/core/ports/ports.ts';
import { CommandProvider, redact } from '../../../main/core/sources/command.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { StubCommandRunner } from '../../fakes/stub-command-runner.ts';
import { DEV_KEYS } from '../../fakes/keys.ts';

const FUTURE = '2026-11-26T10:00:00.000Z';
const doc = (o: object): string =>
  JSON.stringify({ Version: 1, AccessKeyId: 'ASIAEXTERNAL0000001', SecretAccessKey: 's3cr3t', ...o });
const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
const noisy = `token ${DEV_KEYS.secretAccessKey} is bad\n`;

describe('CommandProvider', () => {
  let runner: StubCommandRunner;
  let clock: FakeClock;
  const provider = (timeoutSeconds?: number) =>
    new CommandProvider('ext', { kind: 'command', command: 'op read creds', timeoutSeconds }, { runner, clock });

  beforeEach(() => {
    runner = new StubCommandRunner();
    clock = new FakeClock(Date.parse('2026-11-26T09:00:00Z'));
  });

  it('runs the command with its time limit (30 s unless set) and serves the session it printed as minted', async () => {
    runner.result = ok(doc({ SessionToken: 't', Expiration: FUTURE }));
    assert.deepEqual(await provider().retrieve(), {
      served: 'minted',
      kind: 'command',
      creds: { accessKeyId: 'ASIAEXTERNAL0000001', secretAccessKey: 's3cr3t', sessionToken: 't', expiration: FUTURE },
    });
    await provider(5).retrieve();
    assert.deepEqual(runner.runs, [
      { command: 'op read creds', timeoutMs: 30_000 },
      { command: 'op read creds', timeoutMs: 5_000 },
    ]);
  });

  it('serves long-term keys printed without a session token or expiration', async () => {
    runner.result = ok(doc({}));
    const got = await provider().retrieve();
    assert.deepEqual(got.creds, {
      accessKeyId: 'ASIAEXTERNAL0000001',
      secretAccessKey: 's3cr3t',
      sessionToken: undefined,
      expiration: undefined,
    });
  });

  const failures: { name: string; result: CommandResult; code: string; message: RegExp; detail?: string }[] = [
    {
      name: 'a hang',
      result: { exitCode: null, stdout: '', stderr: noisy, timedOut: true },
      code: 'UPSTREAM',
      message: /^the credential command of "ext" did not finish within 30 s$/,
      detail: 'token [redacted] is bad',
    },
    {
      name: 'a non-zero exit',
      result: { exitCode: 3, stdout: doc({}), stderr: noisy, timedOut: false },
      code: 'UPSTREAM',
      message: /failed with exit status 3: run it yourself/,
      detail: 'token [redacted] is bad',
    },
    {
      name: 'invalid JSON',
      result: ok('{not json'),
      code: 'UPSTREAM',
      message: /printed no valid credential_process JSON \(Version 1, AccessKeyId, SecretAccessKey\)/,
    },
    {
      name: 'JSON of the wrong shape',
      result: ok(JSON.stringify({ Version: 2, AccessKeyId: 'x' })),
      code: 'UPSTREAM',
      message: /printed no valid credential_process JSON/,
    },
    {
      name: 'credentials that expired',
      result: ok(doc({ SessionToken: 't', Expiration: '2026-11-26T09:00:00.000Z' })),
      code: 'EXPIRED',
      message:
        /expired at 2026-11-26T09:00:00.000Z: its credential command returned credentials that had already expired/,
    },
  ];
  for (const f of failures) {
    it(`refuses ${f.name}`, async () => {
      runner.result = f.result;
      await assert.rejects(provider().retrieve(), (e: TrayCredError) => {
        assert.equal(e.code, f.code);
        assert.match(e.message, f.message);
        if (f.detail !== undefined) assert.equal(e instanceof UpstreamError && e.detail, f.detail);
        return true;
      });
    });
  }

  it('redact scrubs key-like runs, folds whitespace and caps the length', () => {
    assert.equal(redact(`  bad key ${DEV_KEYS.secretAccessKey}\n\n  and more `), 'bad key [redacted] and more');
    assert.equal(redact('x '.repeat(400)).length, 500);
  });
});
