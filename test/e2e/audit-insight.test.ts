/**
 * `tray-cred audit --summary` and `tray-cred audit show` against a history generated with the real
 * audit writer and the vault's audit key from the real keychain: what a person reads in a
 * terminal, with claims marked and hostile text escaped.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AccessStory, ProfileActivity } from '../../common/history.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import type { AuditInput } from '../../main/core/audit/audit-codec.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { KeyringKeychain } from '../../main/node/platform/keyring-keychain.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { CryptoRandom, SystemClock } from '../../main/node/platform/system-clock.ts';
import { accessInput } from '../fakes/access-history.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { testSandbox } from './support.ts';

const DAY = 86_400_000;
const TF = '/usr/local/bin/terraform';
const AWS = '/usr/bin/aws';

test('audit --summary counts per profile since a time, and audit show tells one access in full', async (t) => {
  const { sandbox } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const fs = new NodeFileSystem(process.getuid?.());
  const vault = new Vault(
    { fs, keychain: new KeyringKeychain(process.platform), random: new CryptoRandom(), clock: new SystemClock() },
    sandbox.home,
  );
  const key = await vault.loadAuditKey();
  const clock = new FakeClock(Date.now() - 20 * DAY);
  const log = new AuditLog({ fs, clock }, join(sandbox.home, 'audit'), key);
  const write = async (afterMs: number, input: AuditInput): Promise<number> => {
    clock.advance(afterMs);
    return (await log.append(input)).seq;
  };
  await write(0, accessInput({ profile: 'prod', decision: 'approved', exe: AWS }));
  await write(DAY, accessInput({ profile: 'dev', decision: 'allowed', exe: AWS }));
  await write(10 * DAY, accessInput({ profile: 'prod', decision: 'approved', exe: AWS }));
  await write(
    4 * DAY,
    accessInput({ profile: 'prod', decision: 'denied', exe: '/tmp/\u001b[2Jevil', reason: 'denied at the prompt' }),
  );
  const minted = await write(
    3 * DAY,
    accessInput({
      profile: 'prod',
      decision: 'approved',
      exe: TF,
      served: 'minted',
      credentialId: 'ASIAEXAMPLEEXAMPLE12',
      sessionName: 'tray-cred-ann-1',
      approval: { scope: 'program-folder', grant: 'req-prompt-7' },
      command: 'terraform apply \u202Egpj.exe',
      requestId: 'req-77',
    }),
  );
  await write(60_000, accessInput({ profile: 'prod', decision: 'remembered', exe: TF, served: 'cache' }));
  key.fill(0);

  const week = await sandbox.trayCred(['audit', '--summary', '--since', '7d', '--json']);
  assert.equal(week.status, 0, week.stderr);
  const { profiles } = JSON.parse(week.stdout) as { profiles: ProfileActivity[] };
  assert.deepEqual(
    profiles.map((p) => [p.profile, p.byDecision, p.programs]),
    [
      ['dev', {}, []],
      ['prod', { denied: 1, approved: 1, remembered: 1 }, [{ exe: TF, uses: 2 }]],
    ],
  );
  const all = JSON.parse((await sandbox.trayCred(['audit', '--summary', '--since', '30d', '--json'])).stdout) as {
    profiles: ProfileActivity[];
  };
  assert.deepEqual(all.profiles.find((p) => p.profile === 'prod')?.programs, [
    { exe: AWS, uses: 2 },
    { exe: TF, uses: 2 },
  ]);

  const text = await sandbox.trayCred(['audit', '--summary']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(
    text.stdout,
    /^prod +\S+ \S+ +0 +2 +1 +approved 1, remembered 1, denied 1 +\/usr\/local\/bin\/terraform \(2\)$/m,
  );
  const bad = await sandbox.trayCred(['audit', '--summary', '--since', 'last week']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--since takes a number and a unit/);

  const shown = await sandbox.trayCred(['audit', 'show', String(minted)]);
  assert.equal(shown.status, 0, shown.stderr);
  const out = shown.stdout;
  assert.match(out, new RegExp(`^Entry ${minted}, .*: access of prod, approved in 3 ms$`, 'm'));
  assert.match(out, /^First time \/usr\/local\/bin\/terraform asks for prod \(in 90 days\)$/m);
  assert.match(
    out,
    /^Requested by \(verified, SO_PEERCRED\): \/usr\/local\/bin\/terraform \(pid 4242\): \/usr\/local\/bin\/terraform plan$/m,
  );
  assert.match(out, /^ {2}under \/usr\/bin\/bash \(pid 4241\): bash$/m);
  assert.match(
    out,
    /^Claimed by the client \(not proof\): terraform apply \\u202egpj\.exe in \/home\/ann\/infra/m,
    'the claim is marked and its bidi override escaped',
  );
  assert.match(out, /^Approval: program-folder, granted by prompt req-prompt-7$/m);
  assert.match(out, /^Credentials from: minted$/m);
  assert.match(out, /^Access key id: ASIAEXAMPLEEXAMPLE12, role session tray-cred-ann-1$/m);
  assert.match(
    out,
    /^CloudTrail: aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=ASIAEXAMPLEEXAMPLE12$/m,
  );
  assert.match(out, /^Chain: after the last keychain anchor/m, 'init anchored entry 1 only');
  const story = JSON.parse(
    (await sandbox.trayCred(['audit', 'show', String(minted - 1), '--json'])).stdout,
  ) as AccessStory;
  assert.equal(story.verified?.requester.exe, '/tmp/\u001b[2Jevil', 'JSON keeps the exact value');
  assert.equal(story.firstUse, true);
  const denied = await sandbox.trayCred(['audit', 'show', String(minted - 1)]);
  assert.ok(!denied.stdout.includes('\u001b'), 'no raw escape reaches the terminal');
  const next = JSON.parse(
    (await sandbox.trayCred(['audit', 'show', String(minted + 1), '--json'])).stdout,
  ) as AccessStory;
  assert.equal(next.firstUse, false, "terraform's next request is not flagged");

  const missing = await sandbox.trayCred(['audit', 'show', '999']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /there is no audit entry 999: run `tray-cred audit`/);
  assert.equal((await sandbox.trayCred(['audit', 'show', 'x1'])).status, 2);
  assert.equal((await sandbox.trayCred(['audit', 'verify'])).status, 0, 'the generated history is a real chain');
});
