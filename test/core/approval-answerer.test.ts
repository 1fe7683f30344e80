/**
 * Who may answer a waiting prompt through the socket: attacks by the program that asked, from
 * its own line of processes and its own terminal, and from no terminal at all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VerifiedCaller } from '../../common/caller.ts';
import { answererRefusal } from '../../main/core/approval/approval-answerer.ts';
import type { ApprovalRequest } from '../../main/core/ports/ports.ts';

const proc = (pid: number, tty: number | undefined, exe = '/usr/bin/node'): VerifiedCaller['requester'] => ({
  pid,
  startTime: String(pid * 10),
  exe,
  argv: [exe],
  cwd: '/home/ann',
  ...(tty === undefined ? {} : { tty }),
});
const caller = (peer: number, requester: VerifiedCaller['requester'], ancestors: number[] = []): VerifiedCaller => ({
  method: 'SO_PEERCRED',
  peer: { pid: peer, uid: 1000 },
  requester,
  ancestry: ancestors.map((pid) => ({ pid, exe: '/usr/bin/bash', argv: ['bash'] })),
});
// terraform (pid 500) on terminal 34816 (pts/0), started by the shell 400; it asked through a helper (pid 501).
const request: ApprovalRequest = {
  profile: 'prod',
  caller: undefined,
  unlock: false,
  verified: caller(501, proc(500, 34816, '/usr/local/bin/terraform'), [400, 300]),
};

describe('answererRefusal', () => {
  const cases: { name: string; answerer: VerifiedCaller | undefined; refused: RegExp | undefined }[] = [
    {
      name: 'tray-cred approve in a second terminal',
      answerer: caller(900, proc(900, 34817), [800, 300]),
      refused: undefined,
    },
    {
      name: 'an answer the agent could not verify',
      answerer: undefined,
      refused: /could not verify which program answers/,
    },
    {
      name: 'a process with no terminal (a daemon, a background job of the asking program)',
      answerer: caller(900, proc(900, 0), [1]),
      refused: /only from a terminal/,
    },
    {
      name: 'a process whose terminal the OS table did not say',
      answerer: caller(900, proc(900, undefined), [1]),
      refused: /only from a terminal/,
    },
    {
      name: 'the asking program itself, on a second connection',
      answerer: caller(500, proc(500, 34816, '/usr/local/bin/terraform'), [400, 300]),
      refused: /cannot answer its own prompt/,
    },
    {
      name: 'a child the asking program started, even in a new terminal',
      answerer: caller(700, proc(700, 34999), [500, 400]),
      refused: /cannot answer its own prompt/,
    },
    {
      name: 'the shell that started the asking program',
      answerer: caller(400, proc(400, 34816, '/usr/bin/bash'), [300]),
      refused: /cannot answer its own prompt/,
    },
    {
      name: 'another program in the terminal the request came from',
      answerer: caller(950, proc(950, 34816), [940, 1]),
      refused: /another terminal than the one the request came from/,
    },
  ];
  for (const c of cases) {
    it(`${c.refused ? 'refuses' : 'takes'} ${c.name}`, () => {
      const why = answererRefusal(c.answerer, request, true);
      if (c.refused) assert.match(why ?? '', c.refused);
      else assert.equal(why, undefined);
    });
  }

  it('checks nothing where the platform names no peer (Windows), and only the terminal for an unverified request', () => {
    assert.equal(answererRefusal(undefined, request, false), undefined);
    assert.equal(answererRefusal(caller(950, proc(950, 34816)), { ...request, verified: undefined }, true), undefined);
    assert.match(
      answererRefusal(caller(950, proc(950, 0)), { ...request, verified: undefined }, true) ?? '',
      /only from a terminal/,
    );
  });
});
