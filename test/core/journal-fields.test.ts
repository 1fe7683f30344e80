import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../../common/decision.ts';
import { shippedEntry } from '../../main/core/audit/audit-shipped.ts';
import { escapeLine, journalExport, journalFields, syslogLine } from '../../main/core/audit/journal-fields.ts';

const access = shippedEntry({
  seq: 42,
  time: '2026-11-30T12:00:00.000Z',
  event: 'access',
  profile: 'prod',
  decision: 'allowed',
  served: 'minted',
  credentialId: 'ASIAEXAMPLE',
  sessionName: 'tray-cred-ann',
  caller: { pid: 7, ppid: 1, command: 'aws s3 ls\nevil', cwd: '/w' },
  reason: 'approved at the prompt',
  durationMs: 12,
});

describe('journal fields', () => {
  it('names every field of an access with a stable upper-case name', () => {
    const fields = journalFields(access);
    assert.deepEqual(
      fields.map(([n]) => n),
      [
        'MESSAGE',
        'SYSLOG_IDENTIFIER',
        'PRIORITY',
        'TRAY_CRED_VERSION',
        'TRAY_CRED_SEQ',
        'TRAY_CRED_TIME',
        'TRAY_CRED_EVENT',
        'TRAY_CRED_PROFILE',
        'TRAY_CRED_DECISION',
        'TRAY_CRED_SERVED',
        'TRAY_CRED_CREDENTIAL_ID',
        'TRAY_CRED_SESSION_NAME',
        'TRAY_CRED_CALLER_PID',
        'TRAY_CRED_CALLER_PPID',
        'TRAY_CRED_CALLER_COMMAND',
        'TRAY_CRED_CALLER_CWD',
        'TRAY_CRED_REASON',
        'TRAY_CRED_DURATION_MS',
      ],
    );
    for (const [name] of fields) assert.match(name, /^[A-Z0-9][A-Z0-9_]*$/, 'journald accepts the name');
    assert.deepEqual(Object.fromEntries(fields).SYSLOG_IDENTIFIER, 'tray-cred');
    assert.equal(Object.fromEntries(fields).TRAY_CRED_SEQ, '42');
    assert.equal(Object.fromEntries(fields).PRIORITY, '6');
  });

  const cases: { what: string; event: 'access' | 'tamper'; decision?: Decision; priority: string }[] = [
    { what: 'an allowed access is info', event: 'access', decision: 'allowed', priority: '6' },
    { what: 'an approved access is info', event: 'access', decision: 'approved', priority: '6' },
    { what: 'a denied access is a warning', event: 'access', decision: 'denied', priority: '4' },
    { what: 'a timed-out prompt is a warning', event: 'access', decision: 'timeout', priority: '4' },
    { what: 'a tamper entry is a warning', event: 'tamper', priority: '4' },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const e = shippedEntry({
        seq: 1,
        time: access.time,
        event: c.event,
        ...(c.decision ? { decision: c.decision } : {}),
      });
      assert.equal(Object.fromEntries(journalFields(e)).PRIORITY, c.priority);
    });
  }

  const escapes: [string, string][] = [
    ['plain', 'plain'],
    ['two\nlines', 'two\\nlines'],
    ['cr\rtab\t', 'cr\\rtab\\t'],
    ['back\\slash', 'back\\\\slash'],
    ['bell\x07 del\x7f nul\x00', 'bell\\x07 del\\x7f nul\\x00'],
    ['literal \\n stays apart', 'literal \\\\n stays apart'],
    ['é ü ‮', 'é ü ‮'],
  ];
  for (const [raw, shown] of escapes) {
    it(`escapes ${JSON.stringify(raw)} onto one line`, () => assert.equal(escapeLine(raw), shown));
  }

  it('writes one NAME=value line per field, a newline in a value escaped, so no value can add a field', () => {
    const text = journalExport([
      ['MESSAGE', 'hello'],
      ['TRAY_CRED_REASON', 'a\nTRAY_CRED_DECISION=allowed'],
    ]);
    assert.equal(text, 'MESSAGE=hello\nTRAY_CRED_REASON=a\\nTRAY_CRED_DECISION=allowed\n');
    const exported = journalExport(journalFields(access));
    assert.equal(exported.split('\n').length, journalFields(access).length + 1);
    assert.match(exported, /^TRAY_CRED_CALLER_COMMAND=aws s3 ls\\nevil$/m);
  });

  it('gives syslog one line with the message and the fields', () => {
    const line = syslogLine(access);
    assert.ok(!line.includes('\n'));
    assert.equal(
      line,
      'tray-cred access profile=prod decision=allowed served=minted caller_pid=7 caller="aws s3 ls\\\\nevil" reason="approved at the prompt" seq=42 v=1 time=2026-11-30T12:00:00.000Z credential_id=ASIAEXAMPLE session_name=tray-cred-ann',
    );
  });
});
