import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallerClaim } from '../../helper/wire.ts';
import type { ApprovalRequest } from '../../main/core/ports/ports.ts';
import { CommandApprover } from '../../main/node/agent/command-approver.ts';
import { NoApproverError } from '../../main/core/errors.ts';
import { bounded, eventually, isRunning } from './processes.ts';

/** Bound on one approval: far below the 30 s the slow commands below would take on their own. */
const ASK_MS = 10_000;

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tray-cred-approver-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const caller: CallerClaim = { pid: 4321, ppid: 1234, command: 'aws s3 ls', cwd: '/home/me/project' };
const ask = (
  command: string | undefined,
  request: Partial<ApprovalRequest> = {},
  signal = new AbortController().signal,
) =>
  bounded(
    `approver ${JSON.stringify(command)}`,
    new CommandApprover(command).ask({ profile: 'prod', caller, unlock: false, ...request }, signal),
    ASK_MS,
  );
const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

describe('CommandApprover', () => {
  const offer = { kinds: ['once', 'run', 'program-folder'] as const, minutes: 15 };
  // The exit-status table of README "Headless approvals": 0 once, 10 this run, 11 program in folder, 12 any caller.
  const outcomes = [
    { command: 'exit 0', answer: { allow: true } },
    { command: 'true', answer: { allow: true } },
    { command: 'exit 10', answer: { allow: true, scope: { kind: 'run', minutes: 15 } } },
    { command: 'exit 11', answer: { allow: true, scope: { kind: 'program-folder', minutes: 15 } } },
    { command: 'exit 12', answer: { allow: true }, note: 'any caller is not offered here: once' },
    { command: 'exit 1', answer: { allow: false } },
    { command: 'exit 2', answer: { allow: false } },
    { command: 'exit 13', answer: { allow: false } },
    { command: 'kill -TERM $$', answer: { allow: false } },
  ];
  for (const { command, answer, note } of outcomes) {
    test(`\`${command}\` → ${JSON.stringify(answer)}${note ? ` (${note})` : ''}`, async () => {
      assert.deepEqual(await ask(command, { offer: { ...offer, kinds: [...offer.kinds] } }), answer);
    });
  }

  test('exit 12 is any caller where the request offers it', async () => {
    assert.deepEqual(
      await ask('exit 12', { offer: { kinds: ['once', 'run', 'program-folder', 'any'], minutes: 30 } }),
      { allow: true, scope: { kind: 'any', minutes: 30 } },
    );
  });

  test('exit 10 without an offer (an unverified caller) is once', async () => {
    assert.deepEqual(await ask('exit 10'), { allow: true });
  });

  for (const command of ['no-such-approver-command-on-path', `'${'/nonexistent/approver'}'`, '/etc/hostname']) {
    test(`a command that cannot run (\`${command}\`) is a failure with its reason, not a deny`, async () => {
      await assert.rejects(
        ask(command),
        (e: Error) => /could not run|not found|not executable/.test(e.message) && e.message.includes(command),
      );
    });
  }

  for (const command of [undefined, '']) {
    test(`no command (${JSON.stringify(command)}) says there is no approver`, async () => {
      await assert.rejects(
        ask(command),
        (e: Error) => e instanceof NoApproverError && /no approver configured/.test(e.message),
      );
    });
  }

  const environments = [
    {
      name: 'a caller',
      request: { profile: 'prod', caller, offer: { kinds: ['once', 'run'] as ('once' | 'run')[], minutes: 15 } },
    },
    {
      name: 'a caller whose claims hold shell syntax',
      request: {
        profile: 'team.prod@eu-west-1',
        caller: {
          pid: 1,
          ppid: 0,
          command: `aws s3 rm "s3://b/$(touch PWNED)" 'x'; touch PWNED \`touch PWNED\``,
          cwd: '/tmp/a b/$HOME/ünï',
        },
      },
    },
    { name: 'no caller', request: { profile: 'dev', caller: undefined } },
    {
      name: 'a verified caller',
      request: {
        profile: 'prod',
        caller,
        verified: {
          method: 'SO_PEERCRED',
          peer: { pid: 9, uid: 1000 },
          requester: {
            pid: 8,
            startTime: '77',
            exe: '/usr/bin/python3.11',
            argv: ['/usr/bin/python3', '/usr/bin/aws', 's3', 'ls', '$(touch PWNED)'],
            cwd: '/home/me',
          },
          ancestry: [],
        },
      },
    },
  ];
  for (const { name, request } of environments) {
    test(`the command gets the request in its environment, never in its command line: ${name}`, async () => {
      const dir = await mkdtemp(join(root, 'env-'));
      const names = [
        'TRAY_CRED_PROFILE',
        'TRAY_CRED_CALLER',
        'TRAY_CRED_CALLER_COMMAND',
        'TRAY_CRED_CALLER_CWD',
        'TRAY_CRED_OFFER',
        'TRAY_CRED_CALLER_VERIFIED',
        'TRAY_CRED_PROGRAM',
        'TRAY_CRED_FIRST_USE',
      ];
      const command = `cd '${dir}' && ${names.map((n) => `printf '%s' "$${n}" > ${n}`).join(' && ')}`;
      assert.deepEqual(await ask(command, request), { allow: true });
      const env = Object.fromEntries(
        await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), 'utf8')])),
      );
      assert.equal(env.TRAY_CRED_PROFILE, request.profile);
      assert.deepEqual(JSON.parse(env.TRAY_CRED_CALLER), request.caller ?? null);
      assert.equal(env.TRAY_CRED_CALLER_COMMAND, request.caller?.command ?? '');
      assert.equal(env.TRAY_CRED_CALLER_CWD, request.caller?.cwd ?? '');
      assert.equal(env.TRAY_CRED_OFFER, request.offer ? 'once,run' : 'once');
      const verified = 'verified' in request ? request.verified : undefined;
      assert.deepEqual(JSON.parse(env.TRAY_CRED_CALLER_VERIFIED), verified ?? null);
      assert.equal(env.TRAY_CRED_PROGRAM, verified ? '/usr/bin/python3 /usr/bin/aws s3 ls $(touch PWNED)' : '');
      assert.equal(await exists(join(dir, 'PWNED')), false, 'nothing in the claims was run');
      assert.equal(env.TRAY_CRED_FIRST_USE, '');
      // The same request, marked a first use: '1', but only for a verified program (a claim never sets it).
      assert.deepEqual(await ask(command, { ...request, firstUse: true }), { allow: true });
      assert.equal(await readFile(join(dir, 'TRAY_CRED_FIRST_USE'), 'utf8'), verified ? '1' : '');
    });
  }

  test('TRAY_CRED_FIRST_USE is 1 when a verified program asks for the profile for the first time, empty otherwise', async () => {
    const verified = {
      method: 'SO_PEERCRED',
      peer: { pid: 9, uid: 1000 },
      requester: { pid: 8, startTime: '77', exe: '/usr/local/bin/terraform', argv: ['terraform'], cwd: '/home/me' },
      ancestry: [],
    };
    const seen: string[] = [];
    for (const request of [
      { verified, firstUse: true },
      { verified, firstUse: false },
      { verified },
      { firstUse: true },
    ]) {
      const dir = await mkdtemp(join(root, 'first-'));
      assert.deepEqual(await ask(`printf '%s' "$TRAY_CRED_FIRST_USE" > '${join(dir, 'first')}'`, request), {
        allow: true,
      });
      seen.push(await readFile(join(dir, 'first'), 'utf8'));
    }
    assert.deepEqual(seen, ['1', '', '', ''], 'only a verified first use sets it');
  });

  const slow = [
    { name: '`sleep 30`', script: undefined },
    { name: 'a script that runs `sleep 30` and then allows', script: 'sleep 30\nexit 0' },
    { name: 'a script whose prompt runs in the background', script: 'sleep 30 &\nwait\nexit 0' },
  ];
  for (const { name, script } of slow) {
    test(`abort stops ${name} long before it would finish: every process it started ends and the answer is deny`, async () => {
      let command = 'sleep 30';
      if (script) {
        const file = join(await mkdtemp(join(root, 'slow-')), 'approve.sh');
        await writeFile(file, `${script}\n`);
        command = `sh '${file}'`;
      }
      const controller = new AbortController();
      const answer = ask(command, {}, controller.signal);
      await eventually(
        'the approver started sleep',
        () => descendants(process.pid).some((pid) => commandName(pid) === 'sleep'),
        ASK_MS,
      );
      const started = descendants(process.pid);

      controller.abort();
      assert.deepEqual(await answer, { allow: false });
      await eventually(`processes ${started.join(', ')} end`, () => started.every((pid) => !isRunning(pid)), ASK_MS);
    });
  }

  const mfa = [
    {
      name: 'the first line printed is the code',
      command: 'echo 123456; echo 654321',
      answer: { allow: true, mfaCode: '123456' },
    },
    { name: 'the code is trimmed', command: `printf ' 042042 \\r\\nmore'`, answer: { allow: true, mfaCode: '042042' } },
    { name: 'a denial carries no code', command: 'echo 123456; exit 1', answer: { allow: false } },
  ];
  for (const { name, command, answer } of mfa) {
    test(`MFA: ${name}`, async () => {
      const dir = await mkdtemp(join(root, 'mfa-'));
      const serial = 'arn:aws:iam::123456789012:mfa/ann';
      const full = `printf '%s' "$TRAY_CRED_MFA_SERIAL" > '${join(dir, 'serial')}'; ${command}`;
      assert.deepEqual(await ask(full, { mfaSerial: serial }), answer);
      assert.equal(await readFile(join(dir, 'serial'), 'utf8'), serial);
    });
  }

  test('MFA: without an MFA serial, what the command prints is not a code', async () => {
    const dir = await mkdtemp(join(root, 'mfa-'));
    const command = `printf '%s' "$TRAY_CRED_MFA_SERIAL" > '${join(dir, 'serial')}'; echo 123456`;
    assert.deepEqual(await ask(command), { allow: true });
    assert.equal(await readFile(join(dir, 'serial'), 'utf8'), '');
  });

  test('a request already aborted runs nothing and denies', async () => {
    const dir = await mkdtemp(join(root, 'aborted-'));
    const controller = new AbortController();
    controller.abort();
    const answer = await ask(`touch '${join(dir, 'ran')}'; exit 0`, {}, controller.signal);
    assert.deepEqual(answer, { allow: false });
    assert.equal(await exists(join(dir, 'ran')), false);
  });
});

/** Every process below `pid` (Linux `/proc`). */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
