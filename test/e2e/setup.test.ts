/**
 * `tray-cred setup` from each starting point a user has (nothing, the plaintext file, the openssl
 * recipe, a vault already), and stopped at each step that can fail: what came before the step is
 * kept, and nothing of the step or after it happened. Real keychain, real openssl, real AWS CLI v2.
 */
import assert from 'node:assert/strict';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { followRecipe, makeHomeSandbox, type HomeSandbox } from './migration-support.ts';
import { HELPER, TRAY_CRED, auditEntries, credentialsFile, run, startAgent, type RunResult } from './support.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';
import { stopProcess } from '../../main/node/setup/earlier-agent.ts';
import { awsCli } from './aws-cli-driver.ts';

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

async function home(t: TestContext): Promise<HomeSandbox> {
  const s = await makeHomeSandbox();
  t.after(async () => {
    // setup leaves an agent running in the background: stop it through its pid.
    const status = await run(TRAY_CRED, ['status', '--json'], { env: s.env });
    if (status.status === 0) await stopProcess((JSON.parse(status.stdout) as { agentPid: number }).agentPid);
    await s.cleanup();
  });
  return s;
}

const setup = (s: HomeSandbox, ...args: string[]): Promise<RunResult> =>
  run(TRAY_CRED, ['setup', ...args], { env: s.env });

async function plaintext(s: HomeSandbox): Promise<void> {
  await mkdir(s.awsDir, { recursive: true });
  await writeFile(s.awsCredentials, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
}

/** The AWS CLI v2 with ~/.local/bin on PATH, as a new terminal would have it. */
function exportCredentials(s: HomeSandbox, profile: string): Promise<RunResult> {
  return awsCli(['configure', 'export-credentials', '--profile', profile], {
    env: { ...s.env, PATH: `${join(s.userHome, '.local', 'bin')}:/usr/bin:/bin` },
  });
}

test('from the plaintext file: vault, import, commands, config, agent, one audited request, then the file is retired', {
  timeout: 120_000,
}, async (t) => {
  const s = await home(t);
  await plaintext(s);
  const r = await setup(s, '--yes');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /7\/8 check\n {2}tray-cred-helper dev: served, and written to the audit log\n/);
  // --yes and no --approvals: prod is answered by `tray-cred approve`, and setup's last line says nothing can approve yet.
  assert.match(r.stdout, /5\/8 approvals\n {2}`tray-cred approve` approves, in a terminal window of its own/);
  assert.match(
    r.stdout,
    /\nDone: `aws` now gets its credentials from tray-cred, and every access is in `tray-cred audit`; but "prod" asks for approval, and nothing can approve: .*\.\n$/,
  );
  assert.equal(await exists(s.awsCredentials), false, 'the plaintext file is retired after the check');
  // ~/.local/bin is not on this PATH, so the helper is named by its full path: aws works in any terminal.
  const helper = join(s.userHome, '.local', 'bin', 'tray-cred-helper');
  assert.equal(
    await readFile(s.awsConfig, 'utf8'),
    `[profile dev]\ncredential_process = ${helper} dev\n\n[profile prod]\ncredential_process = ${helper} prod\n`,
  );
  const cli = await exportCredentials(s, 'dev');
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal((JSON.parse(cli.stdout) as { AccessKeyId: string }).AccessKeyId, DEV_KEYS.accessKeyId);
  const accesses = (await auditEntries(s)).filter((e) => e.event === 'access');
  assert.deepEqual(
    accesses.map((e) => [e.profile, e.decision]),
    [
      ['dev', 'allowed'],
      ['dev', 'allowed'],
    ],
    'the check and the AWS CLI, both recorded',
  );

  const doctor = await run(TRAY_CRED, ['doctor'], { env: s.env });
  assert.equal(doctor.status, 1, `doctor after setup: ${doctor.stdout}${doctor.stderr}`);
  assert.match(
    doctor.stdout,
    /Needs action:\n {2}todo {2}agent \d+: "prod" asks for approval, and nothing can approve: a request waits .* for `tray-cred approve` in another terminal; .*\n$/,
    'the one thing left: who approves prod',
  );
  const status = await run(TRAY_CRED, ['status'], { env: s.env });
  assert.match(status.stdout, /\nwarning: "prod" asks for approval, and nothing can approve/);

  const again = await setup(s, '--yes');
  assert.equal(again.status, 0, again.stderr);
  assert.match(
    again.stdout,
    /a vault exists at .*: kept\n[\s\S]*nothing to import[\s\S]*already installed[\s\S]*already set for dev, prod[\s\S]*an agent already answers/,
  );

  // uninstall takes back what setup installed, but not while ~/.aws/config runs the helper it removes.
  const config = await readFile(s.awsConfig, 'utf8');
  const refused = await run(TRAY_CRED, ['uninstall'], { env: s.env });
  assert.equal(refused.status, EXIT_STATUS.USAGE, refused.stderr);
  assert.match(
    refused.stderr,
    /run \S+\/\.local\/bin\/tray-cred-helper .*: dev, prod\. Point them at a helper that stays first: `tray-cred uninstall --repoint/,
  );
  assert.equal(await readFile(s.awsConfig, 'utf8'), config, 'nothing changed');
  assert.equal(await exists(helper), true);
  const gone = await run(TRAY_CRED, ['uninstall', '--repoint', HELPER], { env: s.env });
  assert.equal(gone.status, 0, gone.stdout + gone.stderr);
  assert.match(
    gone.stdout,
    /stopped the background agent \d+\n[\s\S]*removed \S+\/tray-cred\n[\s\S]*removed \S+\/tray-cred-helper\n[\s\S]*kept: the vault/,
  );
  assert.equal(await exists(helper), false);
  assert.equal(await exists(join(s.userHome, '.local', 'bin', 'tray-cred')), false);
  assert.equal(
    await readFile(s.awsConfig, 'utf8'),
    `[profile dev]\ncredential_process = ${HELPER} dev\n\n[profile prod]\ncredential_process = ${HELPER} prod\n`,
  );
  assert.notEqual((await run(TRAY_CRED, ['status'], { env: s.env })).status, 0, 'no agent answers');
  // The config still works: with an agent running again (here started by hand), aws is served.
  const agent = await startAgent(s);
  t.after(() => agent.stop());
  // The repointed helper is a Node script: a terminal whose PATH finds Node 22.18 or newer, as the user's does.
  const after = await awsCli(['configure', 'export-credentials', '--profile', 'dev'], {
    env: { ...s.env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
  });
  assert.equal(after.status, 0, after.stderr);
  assert.equal((JSON.parse(after.stdout) as { AccessKeyId: string }).AccessKeyId, DEV_KEYS.accessKeyId);
});

test('setup run again from a shell with another PATH: aws works in both, with ~/.local/bin on PATH and without', {
  timeout: 120_000,
}, async (t) => {
  const s = await home(t);
  await plaintext(s);
  const bin = join(s.userHome, '.local', 'bin');
  const withBin = `${bin}:${s.env.PATH}`;
  const without = s.env
    .PATH!.split(':')
    .filter((d) => d !== bin)
    .join(':');
  const served = async (path: string): Promise<string | undefined> => {
    const r = await awsCli(['configure', 'export-credentials', '--profile', 'dev'], { env: { ...s.env, PATH: path } });
    return (JSON.parse(r.stdout || '{}') as { AccessKeyId?: string }).AccessKeyId;
  };
  // First where ~/.local/bin is on PATH (as setup advises), then again where it is not, then back.
  for (const path of [withBin, without, withBin]) {
    const r = await run(TRAY_CRED, ['setup', '--yes'], { env: { ...s.env, PATH: path } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(await readFile(s.awsConfig, 'utf8'), new RegExp(`credential_process = ${bin}/tray-cred-helper dev\n`));
    assert.equal(await served(`${bin}:/usr/bin:/bin`), DEV_KEYS.accessKeyId, 'a terminal with ~/.local/bin on PATH');
    assert.equal(await served('/usr/bin:/bin'), DEV_KEYS.accessKeyId, 'a terminal without ~/.local/bin on PATH');
  }
});

test('the Node setup recorded is gone: doctor names the launchers that run it and the fix', {
  timeout: 120_000,
}, async (t) => {
  const s = await home(t);
  await plaintext(s);
  const nodeDir = join(s.userHome, 'old-node', 'bin');
  await mkdir(nodeDir, { recursive: true });
  await link(process.execPath, join(nodeDir, 'node'));
  const r = await run(TRAY_CRED, ['setup', '--yes'], { env: { ...s.env, PATH: `${nodeDir}:${s.env.PATH}` } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  await rm(join(nodeDir, 'node'));
  const doctor = await run(TRAY_CRED, ['doctor'], { env: s.env });
  assert.equal(doctor.status, 1, doctor.stdout + doctor.stderr);
  for (const name of ['tray-cred', 'tray-cred-helper'])
    assert.ok(
      doctor.stdout.includes(
        `${join(s.userHome, '.local', 'bin', name)} runs ${join(nodeDir, 'node')}, which is gone: run \`tray-cred setup\` again`,
      ),
      doctor.stdout,
    );
});

test('after a headless setup, a prod request started before `tray-cred approve` waits for it and is served once approved', {
  timeout: 120_000,
}, async (t) => {
  const s = await home(t);
  await plaintext(s);
  assert.equal((await setup(s, '--yes', '--approvals', 'terminal')).status, 0);
  // Stored keys, no STS (no network here): this is about who approves.
  assert.equal((await s.trayCred(['sts', 'prod', '--session-mode', 'off'])).status, 0);
  const waiting = exportCredentials(s, 'prod');
  for (let i = 0; i < 100; i += 1) {
    const st = await run(TRAY_CRED, ['status', '--json'], { env: s.env });
    if ((JSON.parse(st.stdout) as { pending: number }).pending > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const approve = spawnGroup('script', ['-qec', `${TRAY_CRED} approve --once`, '/dev/null'], {
    env: s.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.after(() => killGroup(approve.pid));
  let screen = '';
  let typed = false;
  approve.stdout!.on('data', (c: Buffer) => {
    screen += c.toString('utf8');
    if (!typed && /\[n\] deny: /.test(screen)) {
      typed = true;
      approve.stdin!.write('y\n');
    }
  });
  const cli = await waiting;
  assert.equal(cli.status, 0, `${cli.stderr}\n${screen}`);
  assert.equal((JSON.parse(cli.stdout) as { AccessKeyId: string }).AccessKeyId, PROD_KEYS.accessKeyId);
  const access = (await auditEntries(s)).filter((e) => e.event === 'access').at(-1);
  assert.equal(access?.decision, 'approved');
  assert.match(access?.reason ?? '', /^waited \d+ s for an approver to connect/);
});

test('setup --approver: a program that is not installed is refused before anything starts; one that is, starts the agent with it', {
  timeout: 120_000,
}, async (t) => {
  const s = await home(t);
  await plaintext(s);
  const missing = await setup(s, '--yes', '--approver', 'zenity-not-installed --question');
  assert.notEqual(missing.status, 0);
  assert.match(
    missing.stderr,
    /setup stopped at step 5 \(approvals\): the approver command's program `zenity-not-installed` is not installed or not on PATH/,
  );
  const r = await setup(s, '--yes', '--approver', 'true');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /the agent runs `true` for each request/);
  assert.match(
    r.stdout,
    /\nDone: `aws` now gets its credentials from tray-cred, and every access is in `tray-cred audit`\.\n$/,
  );
  const status = JSON.parse((await run(TRAY_CRED, ['status', '--json'], { env: s.env })).stdout) as {
    approver: string;
  };
  assert.equal(status.approver, 'command');
});

test('from nothing: a vault, and each later step says what it still needs', { timeout: 120_000 }, async (t) => {
  const s = await home(t);
  const dry = await setup(s, '--dry-run');
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /would run: tray-cred init/);
  assert.equal(await exists(s.home), false, 'a dry run creates nothing');
  const r = await setup(s, '--yes');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /Created an empty vault[\s\S]*nothing to import[\s\S]*the vault holds no profiles yet: add one with `tray-cred add <profile>`/,
  );
});

test('from the openssl recipe: imported with its key file, its .enc retired after the check', {
  timeout: 120_000,
}, async (t) => {
  const s = await home(t);
  const recipe = await followRecipe(s);
  const r = await setup(s, '--yes');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /found .*static_credentials\.enc: encrypted with openssl/);
  assert.equal(await exists(recipe.enc), false, 'the .enc file is retired');
  assert.ok(
    r.stdout.includes(`Its key file is no longer needed: delete ${recipe.keyFile} (rm '${recipe.keyFile}') too.`),
    r.stdout,
  );
  assert.ok(
    r.stdout.includes(`${recipe.script} (the openssl recipe's script) is no longer run by any profile`),
    "the recipe's script is named, with what to do with it",
  );
  assert.match(await readFile(recipe.config, 'utf8'), /credential_process = \S*tray-cred-helper dev\n/);
  // prod asks, and nothing approves it yet (a request would wait for `tray-cred approve`: the test above).
  const status = await run(TRAY_CRED, ['status'], { env: s.env });
  assert.match(status.stdout, /\nwarning: "prod" asks for approval, and nothing can approve/);
});

test('stopped at a step: what came before stays done, the step and what follows change nothing', {
  timeout: 180_000,
}, async (t) => {
  await t.test('no keychain to keep the master key in: stops at step 1 and creates nothing', async (t) => {
    const s = await home(t);
    await plaintext(s);
    const r = await run(TRAY_CRED, ['setup', '--yes'], {
      env: { ...s.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(s.root, 'no-bus')}` },
    });
    assert.equal(r.status, EXIT_STATUS.KEYCHAIN, r.stderr);
    assert.match(r.stderr, /setup stopped at step 1 \(vault\): .*Nothing was changed, and this step changed nothing/);
    assert.equal(await exists(join(s.home, 'vault.json')), false);
    assert.equal(await readFile(s.awsCredentials, 'utf8'), credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
  });
  await t.test(
    '~/.aws/config is a directory: stops at step 4; the vault has the keys and the plaintext is untouched',
    async (t) => {
      const s = await home(t);
      await plaintext(s);
      await mkdir(s.awsConfig, { recursive: true });
      const r = await setup(s, '--yes');
      assert.equal(r.status, EXIT_STATUS.ENVIRONMENT, r.stderr);
      assert.match(r.stderr, /setup stopped at step 4 \(aws config\): .*EISDIR.*Steps 1-3 are done/);
      assert.equal(await readFile(s.awsCredentials, 'utf8'), credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
      assert.equal(
        (await run(TRAY_CRED, ['list', '--json'], { env: s.env })).stdout.includes('"dev"'),
        true,
        'step 2 stays done',
      );
    },
  );
  await t.test('an agent that cannot start: stops at step 6 after 10 s; config set, plaintext untouched', async (t) => {
    const s = await home(t);
    await plaintext(s);
    const open = join(s.root, 'open');
    await mkdir(open, { mode: 0o755 });
    const env = { ...s.env, TRAY_CRED_SOCKET: join(open, 'agent.sock') };
    const r = await run(TRAY_CRED, ['setup', '--yes'], { env });
    assert.equal(r.status, EXIT_STATUS.ENVIRONMENT, r.stderr);
    assert.match(
      r.stderr,
      /setup stopped at step 6 \(agent\): the agent \(see .*agent\.log\) did not answer on .* within 10 s/,
    );
    assert.match(await readFile(join(s.home, 'agent.log'), 'utf8'), /can be opened by other users/, 'the log says why');
    assert.equal(await readFile(s.awsCredentials, 'utf8'), credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
  });
  await t.test('no terminal and no --yes: stops before importing', async (t) => {
    const s = await home(t);
    await plaintext(s);
    const r = await setup(s);
    assert.equal(r.status, EXIT_STATUS.USAGE, r.stderr);
    assert.match(
      r.stderr,
      /setup stopped at step 2 \(import\): setup asks before it imports keys, and stdin is not a terminal: run it in a terminal, or pass --yes\. Step 1 is done/,
    );
    assert.equal(await exists(join(s.home, 'vault.json')), true, 'step 1 is done');
    assert.equal(await exists(s.awsConfig), false);
  });
  await t.test(
    'a command of someone else in ~/.local/bin: stops at step 3; the config and the plaintext are untouched',
    async (t) => {
      const s = await home(t);
      await plaintext(s);
      await mkdir(join(s.userHome, '.local', 'bin'), { recursive: true });
      await writeFile(join(s.userHome, '.local', 'bin', 'tray-cred'), '#!/bin/sh\necho mine\n');
      const r = await setup(s, '--yes');
      assert.equal(r.status, EXIT_STATUS.USAGE, r.stderr);
      assert.match(
        r.stderr,
        /setup stopped at step 3 \(commands\): .*already exists and was not installed by tray-cred/,
      );
      assert.equal(await readFile(s.awsCredentials, 'utf8'), credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
      assert.equal(await exists(s.awsConfig), false);
    },
  );
  await t.test('an agent that is locked: the check fails at step 7 and the plaintext is kept', async (t) => {
    const s = await home(t);
    await plaintext(s);
    assert.equal((await run(TRAY_CRED, ['init'], { env: s.env })).status, 0);
    const agent = await startAgent(s, ['--locked']);
    t.after(() => agent.stop());
    const r = await setup(s, '--yes');
    assert.equal(r.status, EXIT_STATUS.ENVIRONMENT, r.stderr);
    assert.match(r.stderr, /setup stopped at step 7 \(check\): tray-cred-helper dev failed \(exit 4\): .*locked/);
    assert.equal(
      await readFile(s.awsCredentials, 'utf8'),
      credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }),
      'not retired',
    );
  });
});
