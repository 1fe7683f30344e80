import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import {
  MAX_FRAME_BYTES,
  ProtocolError,
  parseCredentialsResult,
  parseRequest,
  parseResponse,
  requestIdOf,
} from '../../helper/wire.ts';
import { dataDir, socketPath, type SocketPlace } from '../../helper/paths.ts';

const caller = { pid: 10, ppid: 1, command: 'aws s3 ls', cwd: '/home/u' };

describe('parseRequest', () => {
  it('accepts each op in its exact shape', () => {
    assert.deepEqual(parseRequest(JSON.stringify({ v: 1, id: 'a1', op: 'credentials', profile: 'prod', caller })), {
      v: 1,
      id: 'a1',
      op: 'credentials',
      profile: 'prod',
      caller,
    });
    assert.deepEqual(
      parseRequest(JSON.stringify({ v: 1, id: 'a1', op: 'credentials', profile: 'prod', purpose: 'console' })),
      { v: 1, id: 'a1', op: 'credentials', profile: 'prod', purpose: 'console' },
    );
    for (const op of ['status', 'lock', 'unlock']) {
      assert.deepEqual(parseRequest(JSON.stringify({ v: 1, id: 'x', op })), { v: 1, id: 'x', op });
    }
  });

  it('drops unknown fields instead of passing them on', () => {
    const r = parseRequest(JSON.stringify({ v: 1, id: 'a', op: 'status', extra: 'x', caller: { ...caller, evil: 1 } }));
    assert.deepEqual(r, { v: 1, id: 'a', op: 'status', caller });
  });

  const bad: [string, string, ProtocolError['code']][] = [
    ['not JSON', '{"v":1,', 'BAD_REQUEST'],
    ['an array', '[1,2]', 'BAD_REQUEST'],
    ['null', 'null', 'BAD_REQUEST'],
    ['no version', '{"id":"a","op":"status"}', 'BAD_REQUEST'],
    ['another version', '{"v":2,"id":"a","op":"status"}', 'VERSION'],
    ['version as string', '{"v":"1","id":"a","op":"status"}', 'BAD_REQUEST'],
    ['huge version', '{"v":1e400,"id":"a","op":"status"}', 'BAD_REQUEST'],
    ['unknown op', '{"v":1,"id":"a","op":"dump"}', 'BAD_REQUEST'],
    ['op as object', '{"v":1,"id":"a","op":{}}', 'BAD_REQUEST'],
    ['id with spaces', '{"v":1,"id":"a b","op":"status"}', 'BAD_REQUEST'],
    ['id too long', JSON.stringify({ v: 1, id: 'a'.repeat(65), op: 'status' }), 'BAD_REQUEST'],
    ['credentials without profile', '{"v":1,"id":"a","op":"credentials"}', 'BAD_REQUEST'],
    ['profile with a newline', '{"v":1,"id":"a","op":"credentials","profile":"a\\nb"}', 'BAD_REQUEST'],
    ['profile with a path', '{"v":1,"id":"a","op":"credentials","profile":"../x"}', 'BAD_REQUEST'],
    ['profile on status', '{"v":1,"id":"a","op":"status","profile":"dev"}', 'BAD_REQUEST'],
    ['an unknown purpose', '{"v":1,"id":"a","op":"credentials","profile":"dev","purpose":"key"}', 'BAD_REQUEST'],
    ['a purpose on forget', '{"v":1,"id":"a","op":"forget","profile":"dev","purpose":"console"}', 'BAD_REQUEST'],
    [
      'caller with negative pid',
      JSON.stringify({ v: 1, id: 'a', op: 'status', caller: { ...caller, pid: -1 } }),
      'BAD_REQUEST',
    ],
    [
      'caller with huge command',
      JSON.stringify({ v: 1, id: 'a', op: 'status', caller: { ...caller, command: 'x'.repeat(9000) } }),
      'BAD_REQUEST',
    ],
    [
      'caller argv that is not an array',
      JSON.stringify({ v: 1, id: 'a', op: 'status', caller: { ...caller, argv: 'aws s3 ls' } }),
      'BAD_REQUEST',
    ],
    [
      'caller argv with a number',
      JSON.stringify({ v: 1, id: 'a', op: 'status', caller: { ...caller, argv: ['aws', 3] } }),
      'BAD_REQUEST',
    ],
    [
      'caller argv with 257 arguments',
      JSON.stringify({ v: 1, id: 'a', op: 'status', caller: { ...caller, argv: Array(257).fill('x') } }),
      'BAD_REQUEST',
    ],
    [
      'caller argv with a 4097-character argument',
      JSON.stringify({ v: 1, id: 'a', op: 'status', caller: { ...caller, argv: ['x'.repeat(4097)] } }),
      'BAD_REQUEST',
    ],
    [
      'caller argv over 16 KiB in all',
      JSON.stringify({ v: 1, id: 'a', op: 'status', caller: { ...caller, argv: Array(5).fill('x'.repeat(4000)) } }),
      'BAD_REQUEST',
    ],
    ['oversized frame', JSON.stringify({ v: 1, id: 'a', op: 'status', pad: 'x'.repeat(MAX_FRAME_BYTES) }), 'TOO_LARGE'],
  ];
  for (const [what, line, code] of bad) {
    it(`rejects ${what} with ${code}`, () => {
      assert.throws(
        () => parseRequest(line),
        (e: unknown) => e instanceof ProtocolError && e.code === code && e.message.length > 10,
      );
    });
  }

  it('accepts a caller with argv, and the older shape without it (protocol 1 either way)', () => {
    const argv = ['aws', 's3', 'ls', 'a b'];
    assert.deepEqual(parseRequest(JSON.stringify({ v: 1, id: 'a', op: 'status', caller: { ...caller, argv } })), {
      v: 1,
      id: 'a',
      op: 'status',
      caller: { ...caller, argv },
    });
    assert.deepEqual(parseRequest(JSON.stringify({ v: 1, id: 'a', op: 'status', caller })), {
      v: 1,
      id: 'a',
      op: 'status',
      caller,
    });
    assert.deepEqual(
      parseRequest(
        JSON.stringify({ v: 1, id: 'a', op: 'status', caller: { ...caller, argv: Array(256).fill('x'.repeat(64)) } }),
      ).caller?.argv?.length,
      256,
    );
  });

  it('recovers the id of a bad request when it can', () => {
    assert.equal(requestIdOf('{"v":1,"id":"abc","op":"nope"}'), 'abc');
    assert.equal(requestIdOf('garbage'), '');
    assert.equal(requestIdOf('{"id":"bad id"}'), '');
  });
});

describe('parseResponse', () => {
  it('accepts a result and a known error, rejects the rest', () => {
    assert.equal(parseResponse('{"v":1,"id":"a","ok":true,"result":{}}', 'a').ok, true);
    const e = parseResponse('{"v":1,"id":"a","ok":false,"error":{"code":"DENIED","message":"no"}}', 'a');
    assert.deepEqual(e, { v: 1, id: 'a', ok: false, error: { code: 'DENIED', message: 'no' } });
    assert.throws(() => parseResponse('{"v":1,"id":"b","ok":true,"result":{}}', 'a'), /does not match/);
    assert.throws(
      () => parseResponse('{"v":1,"id":"a","ok":false,"error":{"code":"WHAT","message":"x"}}', 'a'),
      ProtocolError,
    );
    assert.throws(
      () => parseResponse('{"v":7,"id":"a","ok":true}', 'a'),
      (e: unknown) => (e as ProtocolError).code === 'VERSION',
    );
  });
});

describe('parseCredentialsResult', () => {
  const good = { Version: 1, AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', SecretAccessKey: 's' };
  it('keeps exactly the credential_process fields', () => {
    assert.deepEqual(parseCredentialsResult({ ...good, Other: 1 }), good);
    const full = { ...good, SessionToken: 't', Expiration: '2030-01-01T00:00:00Z' };
    assert.deepEqual(parseCredentialsResult(full), full);
  });
  for (const [what, value] of [
    ['version 2', { ...good, Version: 2 }],
    ['a lower-case key id', { ...good, AccessKeyId: 'akia' }],
    ['an empty secret', { ...good, SecretAccessKey: '' }],
    ['a bad expiration', { ...good, Expiration: 'tomorrow' }],
  ] as const) {
    it(`rejects ${what}`, () => assert.throws(() => parseCredentialsResult(value), ProtocolError));
  }
});

describe('socketPath and dataDir', () => {
  const base: SocketPlace = { env: {}, platform: 'linux', uid: 1000, username: 'ann', homedir: '/home/ann' };
  const cases: [string, SocketPlace, string, string][] = [
    [
      'linux with XDG_RUNTIME_DIR',
      { ...base, env: { XDG_RUNTIME_DIR: '/run/user/1000' } },
      '/run/user/1000/tray-cred/agent.sock',
      '/home/ann/.config/tray-cred',
    ],
    ['linux without it', base, '/tmp/tray-cred-1000/agent.sock', '/home/ann/.config/tray-cred'],
    [
      'linux with XDG_CONFIG_HOME',
      { ...base, env: { XDG_CONFIG_HOME: '/c' } },
      '/tmp/tray-cred-1000/agent.sock',
      '/c/tray-cred',
    ],
    ['overrides', { ...base, env: { TRAY_CRED_SOCKET: '/s.sock', TRAY_CRED_HOME: '/d' } }, '/s.sock', '/d'],
    [
      'macOS',
      { ...base, platform: 'darwin', homedir: '/Users/ann' },
      '/Users/ann/Library/Application Support/tray-cred/agent.sock',
      '/Users/ann/Library/Application Support/tray-cred',
    ],
  ];
  for (const [what, place, socket, data] of cases) {
    it(what, () => {
      assert.equal(socketPath(place), socket);
      assert.equal(dataDir(place), data);
    });
  }
  it('windows uses a per-user named pipe', () => {
    assert.equal(socketPath({ ...base, platform: 'win32', username: 'Ann Lee' }), '\\\\.\\pipe\\tray-cred-Ann_Lee');
  });
});

it('gives every error code its own helper exit status, apart from success and usage', () => {
  const statuses = Object.entries(EXIT_STATUS)
    .filter(([code]) => code !== 'TOO_LARGE')
    .map(([, s]) => s);
  assert.equal(new Set(statuses).size, statuses.length);
  assert.ok(statuses.every((s) => s > 1 && s < 126));
});

describe('the approver ops (approvals, approve)', () => {
  const line = (o: object): string => JSON.stringify({ v: 1, id: 'a1', ...o });
  it('accepts a poll and an answer in their bounds', () => {
    assert.deepEqual(parseRequest(line({ op: 'approvals' })), { v: 1, id: 'a1', op: 'approvals', wait: 0 });
    assert.deepEqual(parseRequest(line({ op: 'approvals', wait: 25_000 })), {
      v: 1,
      id: 'a1',
      op: 'approvals',
      wait: 25_000,
    });
    assert.deepEqual(parseRequest(line({ op: 'approve', prompt: '7', allow: true, scope: 'run', mfaCode: '123456' })), {
      v: 1,
      id: 'a1',
      op: 'approve',
      prompt: '7',
      allow: true,
      scope: 'run',
      mfaCode: '123456',
    });
  });
  const bad: [string, object, RegExp][] = [
    ['a wait past 25 s', { op: 'approvals', wait: 25_001 }, /wait must be 0-25000 ms/],
    ['a negative wait', { op: 'approvals', wait: -1 }, /wait must be/],
    [
      "a prompt ref that is not the agent's",
      { op: 'approve', prompt: 'victim-request-id', allow: true },
      /prompt must be the ref/,
    ],
    ['no allow', { op: 'approve', prompt: '1' }, /allow must be true or false/],
    [
      'an unknown scope',
      { op: 'approve', prompt: '1', allow: true, scope: 'forever' },
      /scope must be one of once, run, program-folder, any/,
    ],
    [
      'an MFA code that is not six digits',
      { op: 'approve', prompt: '1', allow: true, mfaCode: '12345x' },
      /mfaCode must be six digits/,
    ],
    ['a profile', { op: 'approvals', profile: 'prod' }, /takes no profile/],
  ];
  for (const [what, o, message] of bad) {
    it(`refuses ${what} as BAD_REQUEST`, () => {
      assert.throws(
        () => parseRequest(line(o)),
        (e: unknown) => e instanceof ProtocolError && e.code === 'BAD_REQUEST' && message.test(e.message),
      );
    });
  }
});
