/**
 * The forwarder with a fake `logger` first on PATH (the port boundary: what the system log is
 * handed), against a stand-in journal socket file for the journald branch.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AuditEntry } from '../../main/core/audit/audit-codec.ts';
import { systemLogForwarder } from '../../main/node/audit/system-log-forwarder.ts';

const entry = (seq: number, reason: string): AuditEntry => ({
  seq,
  time: '2026-11-30T12:00:00.000Z',
  event: 'access',
  profile: 'dev',
  decision: 'allowed',
  reason,
  prev: '0'.repeat(64),
  mac: 'a'.repeat(64),
});

describe('systemLogForwarder', () => {
  let dir: string;
  let warnings: string[];
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-forward-'));
    warnings = [];
    // Each run of the fake appends its arguments and its stdin, then exits with $FAKE_STATUS.
    await writeFile(
      join(dir, 'logger'),
      `#!/bin/sh\necho "ARGS $*" >> "${dir}/got"\ncat >> "${dir}/got"\nexit \${FAKE_STATUS:-0}\n`,
    );
    await chmod(join(dir, 'logger'), 0o755);
    env = { PATH: `${dir}:/usr/bin:/bin` };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const got = async (runs: number): Promise<string> => {
    for (let i = 0; i < 100; i += 1) {
      const text = await readFile(join(dir, 'got'), 'utf8').catch(() => '');
      if (text.split('ARGS').length - 1 >= runs) return text;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`logger did not run ${runs} time(s)`);
  };

  it('sends each entry to journald as fields, a newline in a value escaped', async () => {
    await writeFile(join(dir, 'journal.socket'), '');
    const forward = systemLogForwarder({
      enabled: () => true,
      warn: (m) => warnings.push(m),
      journalSocket: join(dir, 'journal.socket'),
      env,
    });
    forward([entry(1, 'first\nTRAY_CRED_DECISION=denied'), entry(2, 'second')]);
    const text = await got(2);
    assert.equal(text.split('ARGS --journald\n').length - 1, 2, 'one run per entry');
    assert.match(text, /^TRAY_CRED_SEQ=1$/m);
    assert.match(text, /^TRAY_CRED_REASON=first\\nTRAY_CRED_DECISION=denied$/m);
    assert.doesNotMatch(text, /^TRAY_CRED_DECISION=denied$/m, 'a value cannot add a field');
    assert.match(text, /^SYSLOG_IDENTIFIER=tray-cred$/m);
    assert.doesNotMatch(text, /PREV|MAC=|a{64}/, 'chain fields stay in the log');
    assert.deepEqual(warnings, []);
  });

  it('sends a batch to syslog in one run where there is no journal, and does nothing when off', async () => {
    let on = false;
    const forward = systemLogForwarder({
      enabled: () => on,
      warn: (m) => warnings.push(m),
      journalSocket: join(dir, 'none'),
      env,
    });
    forward([entry(1, 'skipped')]);
    on = true;
    forward([entry(2, 'a'), entry(3, 'b')]);
    const text = await got(1);
    assert.equal(text.split('\n').filter(Boolean).length, 3, `one run, a line per entry:\n${text}`);
    assert.match(text, /^ARGS -t tray-cred -p auth.info$/m);
    assert.match(text, /^tray-cred access profile=dev decision=allowed reason="a" seq=2 /m);
    assert.doesNotMatch(text, /skipped/);
  });

  it('warns once when the system log refuses, and never throws', async () => {
    const forward = systemLogForwarder({
      enabled: () => true,
      warn: (m) => warnings.push(m),
      journalSocket: join(dir, 'none'),
      env: { ...env, FAKE_STATUS: '3' },
    });
    forward([entry(1, 'a')]);
    forward([entry(2, 'b')]);
    await got(2);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /could not be forwarded to the system log \(logger -t tray-cred -p auth.info: exit 3\); accesses are still recorded/,
    );
  });
});
