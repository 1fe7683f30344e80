import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VerifiedCaller } from '../../common/caller.ts';
import { callerHeadline, callerLines, verifiedLine } from '../../common/caller-text.ts';

const verified: VerifiedCaller = {
  method: 'SO_PEERCRED',
  peer: { pid: 124, uid: 1000 },
  requester: { pid: 123, startTime: '5', exe: '/usr/bin/python3.11', argv: ['/usr/bin/python3', '/usr/bin/aws', 's3', 'ls'], cwd: '/home/ann' },
  ancestry: [],
};
const claim = { pid: 123, ppid: 1, command: 'aws s3 ls', cwd: '/home/ann' };

describe('caller text', () => {
  it('names the verified program as verified, with the executable the kernel gave when argv[0] names another file', () => {
    assert.equal(verifiedLine(verified), 'requesting program (verified by the kernel): /usr/bin/python3 /usr/bin/aws s3 ls, executable /usr/bin/python3.11, in /home/ann, pid 123');
    assert.equal(callerHeadline(claim, verified), '“/usr/bin/python3 /usr/bin/aws s3 ls”');
  });

  it('leaves out a claim about the same process, and shows one about another process as claimed', () => {
    assert.deepEqual(callerLines(claim, verified), [verifiedLine(verified)]);
    const forged = { ...claim, pid: 1, command: 'terraform apply' };
    const lines = callerLines(forged, verified);
    assert.equal(lines[0], verifiedLine(verified));
    assert.deepEqual(lines.slice(1), ['As claimed by tray-cred-helper (not verified):', 'Command: terraform apply', 'Working directory: /home/ann', 'Process: pid 1, parent pid 1']);
  });

  it('says what was not verified, and escapes what the process wrote', () => {
    const partial = { ...verified, requester: { ...verified.requester, argv: ['x\u202e\u001b[2J'], exe: '' }, incomplete: 'the peer (pid 124) exited before the agent could read it' };
    assert.equal(verifiedLine(partial), 'requesting program (verified by the kernel): x\\u202e\\x1b[2J, in /home/ann, pid 123 (not all verified: the peer (pid 124) exited before the agent could read it)');
  });

  it('without verification (Windows) the claim alone, labelled', () => {
    assert.equal(callerHeadline(claim, undefined), '“aws s3 ls”');
    assert.equal(callerLines(claim, undefined)[0], 'As claimed by tray-cred-helper (not verified):');
    assert.deepEqual(callerLines(undefined, undefined), ['The helper sent no caller information.']);
  });
});
