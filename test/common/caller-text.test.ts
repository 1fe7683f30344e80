import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VerifiedCaller } from '../../common/caller.ts';
import { verifiedLine } from '../../common/caller-text.ts';

const verified: VerifiedCaller = {
  method: 'SO_PEERCRED',
  peer: { pid: 124, uid: 1000 },
  requester: {
    pid: 123,
    startTime: '5',
    exe: '/usr/bin/python3.11',
    argv: ['/usr/bin/python3', '/usr/bin/aws', 's3', 'ls'],
    cwd: '/home/ann',
  },
  ancestry: [],
};

describe('caller text', () => {
  it('names the verified program as verified, with the executable the kernel gave when argv[0] names another file', () => {
    assert.equal(
      verifiedLine(verified),
      'requesting program (verified by the kernel): /usr/bin/python3 /usr/bin/aws s3 ls, executable /usr/bin/python3.11, in /home/ann, pid 123',
    );
  });

  it('says what was not verified, and escapes what the process wrote', () => {
    const partial = {
      ...verified,
      requester: { ...verified.requester, argv: ['x\u202e\u001b[2J'], exe: '' },
      incomplete: 'the peer (pid 124) exited before the agent could read it',
    };
    assert.equal(
      verifiedLine(partial),
      'requesting program (verified by the kernel): x\\u202e\\x1b[2J, in /home/ann, pid 123 (not all verified: the peer (pid 124) exited before the agent could read it)',
    );
  });
});
