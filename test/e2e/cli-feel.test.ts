/**
 * The command line as someone used to git, aws or kubectl expects it (issue 13, item 6): a typo
 * is one line with the suggestion, `-v` says which build on which Node, completions for bash, zsh
 * and fish come from the command definitions, messages use the flags the user typed, settings
 * that do nothing say so, commands before `init` say there is no vault, and LAST USED is current.
 * The built CLI runs against the real keychain in a sandbox.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import {
  HELPER,
  ROOT,
  credentialsFile,
  run,
  testSandbox,
  writeAwsConfig,
  type RunResult,
  type Sandbox,
} from './support.ts';
import { SYNC_LIMIT } from '../node/processes.ts';

const VERSION = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function has(shell: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], { ...SYNC_LIMIT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function ok(sandbox: Sandbox, args: readonly string[], input?: string): Promise<RunResult> {
  const r = await sandbox.trayCred(args, input);
  assert.equal(r.status, 0, `tray-cred ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** A vault holding "dev" (allow), imported from a credentials file. */
async function withDev(t: TestContext) {
  const fixture = await testSandbox(t);
  await ok(fixture.sandbox, ['init']);
  const file = join(fixture.sandbox.root, 'credentials');
  await writeFile(file, credentialsFile({ dev: DEV_KEYS }));
  await ok(fixture.sandbox, ['import', file]);
  return fixture;
}

test('a typo is one line with the suggestion and the help to see, exit 2, never the whole help', async (t) => {
  const { sandbox } = await testSandbox(t);
  const cases = [
    { args: ['lst'], says: "tray-cred: unknown command 'lst' (did you mean 'list'?); see tray-cred --help" },
    { args: ['frobnicate'], says: "tray-cred: unknown command 'frobnicate'; see tray-cred --help" },
    // With --help an unknown command must not print the main help and exit 0, as if it were fine.
    { args: ['frobnicate', '--help'], says: "tray-cred: unknown command 'frobnicate'; see tray-cred --help" },
    { args: ['lst', '-h'], says: "tray-cred: unknown command 'lst' (did you mean 'list'?); see tray-cred --help" },
    {
      args: ['list', '--jsn'],
      says: "tray-cred: unknown option '--jsn' (did you mean '--json'?); see tray-cred list --help",
    },
    {
      args: ['audit', 'verify', '--jsno'],
      says: "tray-cred: unknown option '--jsno' (did you mean '--json'?); see tray-cred audit verify --help",
    },
    { args: ['add'], says: "tray-cred: missing required argument 'profile'; see tray-cred add --help" },
    {
      args: ['completion', 'ksh'],
      says: "tray-cred: 'ksh' is not a <shell>: use bash, zsh or fish; see tray-cred completion --help",
    },
  ];
  for (const c of cases) {
    const r = await sandbox.trayCred(c.args);
    assert.equal(r.status, EXIT_STATUS.USAGE, `${c.args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `${c.says}\n`);
    assert.equal(r.stdout, '');
  }
});

test('-v and --version print the version with Node and the platform', async (t) => {
  const { sandbox } = await testSandbox(t);
  for (const flag of ['-v', '--version']) {
    const r = await ok(sandbox, [flag]);
    assert.match(
      r.stdout,
      new RegExp(
        `^tray-cred ${VERSION.replaceAll('.', '\\.')} \\(Node v24\\.\\d+\\.\\d+, ${process.platform}-${process.arch}\\)\\n$`,
      ),
    );
    assert.equal(r.stderr, '');
  }
});

/** What the bash script offers for the words typed so far (the last one is being completed). */
async function bashComplete(script: string, typed: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const words = ['tray-cred', ...typed].map((w) => `'${w}'`).join(' ');
  const r = await run(
    'bash',
    [
      '-c',
      `source "$1"; COMP_WORDS=(${words}); COMP_CWORD=${typed.length}; _tray_cred; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      script,
    ],
    { env },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

test('completion scripts for bash, zsh and fish parse; the bash one completes commands, options and profile names', async (t) => {
  const { sandbox } = await testSandbox(t);
  await writeAwsConfig(sandbox, ['dev', 'prod']);
  const scripts: Record<string, string> = {};
  for (const shell of ['bash', 'zsh', 'fish']) {
    scripts[shell] = join(sandbox.root, `completion.${shell}`);
    await writeFile(scripts[shell], (await ok(sandbox, ['completion', shell])).stdout);
  }
  await t.test('bash -n', async () =>
    assert.equal((await run('bash', ['-n', scripts.bash!], { env: sandbox.env })).status, 0),
  );
  await t.test(
    'zsh -n, and the zsh function offers commands, options and profiles (skipped when zsh is not installed)',
    { skip: !has('zsh') && 'zsh is not installed' },
    async () => {
      const r = await run('zsh', ['-n', scripts.zsh!], { env: sandbox.env });
      assert.equal(r.status, 0, r.stderr);
      // compadd stubbed to print what it is given: zsh filters by prefix itself.
      const offered = async (typed: string[]): Promise<string[]> => {
        const words = ['tray-cred', ...typed].map((w) => `'${w}'`).join(' ');
        const z = await run(
          'zsh',
          [
            '-c',
            `source "$1"; compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }; words=(${words}); CURRENT=${typed.length + 1}; _tray_cred`,
            'zsh',
            scripts.zsh!,
          ],
          { env: sandbox.env },
        );
        assert.equal(z.status, 0, z.stderr);
        return z.stdout.split('\n').filter(Boolean);
      };
      assert.ok((await offered([''])).includes('list'));
      assert.deepEqual(await offered(['list', '']), ['--json', '-h', '--help']);
      assert.deepEqual(await offered(['audit', '--profile', '']), ['dev', 'prod']);
    },
  );
  await t.test(
    'fish -n, and fish completes `tray-cred li` (skipped when fish is not installed)',
    { skip: !has('fish') && 'fish is not installed' },
    async () => {
      assert.equal((await run('fish', ['-n', scripts.fish!], { env: sandbox.env })).status, 0);
      const r = await run('fish', ['-c', `source ${scripts.fish}; complete -C 'tray-cred li'`], { env: sandbox.env });
      assert.equal(r.stdout.split('\t')[0], 'list', r.stderr);
    },
  );
  await t.test('bash completes what was typed', async () => {
    const env = sandbox.env;
    assert.deepEqual(await bashComplete(scripts.bash!, ['li'], env), ['list']);
    assert.deepEqual(await bashComplete(scripts.bash!, ['audit', 've'], env), ['verify']);
    assert.deepEqual(await bashComplete(scripts.bash!, ['list', '--j'], env), ['--json']);
    assert.deepEqual(await bashComplete(scripts.bash!, ['policy', 'd'], env), ['dev']);
    assert.deepEqual(await bashComplete(scripts.bash!, ['audit', '--profile', 'p'], env), ['prod']);
    assert.deepEqual(await bashComplete(scripts.bash!, ['completion', 'z'], env), ['zsh']);
  });
  await t.test('every command in --help is completed: the script comes from the definitions', async () => {
    const help = (await ok(sandbox, ['--help'])).stdout;
    const commands = [...help.split('Commands:')[1]!.matchAll(/^ {2}([a-z][\w-]*)/gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    assert.ok(commands.length > 15, `commands found in --help: ${commands.join(' ')}`);
    const offered = await bashComplete(scripts.bash!, [''], sandbox.env);
    assert.deepEqual(
      commands.filter((c) => !offered.includes(c)),
      [],
    );
  });
});

test('messages name the flag and the values it takes, not the vault field', async (t) => {
  const { sandbox } = await withDev(t);
  const cases = [
    {
      args: ['sts', 'dev', '--duration', '100'],
      says: 'tray-cred: profile "dev": --duration takes 900-129600 seconds (15 minutes to 36 hours), not 100',
    },
    { args: ['sts', 'dev', '--duration', 'soon'], says: 'tray-cred: --duration takes 900-129600 seconds, not "soon"' },
    {
      args: ['sts', 'dev', '--region', 'moon'],
      says: 'tray-cred: profile "dev": --region takes an AWS region like eu-west-1, or none, not "moon"',
    },
    {
      args: [
        'role',
        'ops',
        '--role-arn',
        'arn:aws:iam::123456789012:role/ops',
        '--source-profile',
        'dev',
        '--duration',
        '50000',
      ],
      says: 'tray-cred: profile "ops": --duration takes 900-43200 seconds (15 minutes to 12 hours) for a role, not 50000',
    },
    {
      args: ['role', 'ops', '--role-arn', 'ops', '--source-profile', 'dev'],
      says: 'tray-cred: profile "ops": --role-arn takes a role ARN like arn:aws:iam::123456789012:role/name, not "ops"',
    },
    {
      args: ['settings', 'idleLockMinutes', '7'],
      says: 'tray-cred: idleLockMinutes takes off, 5, 15 or 60 (minutes), not "7"',
    },
    { args: ['settings', 'unlockOnRequest', 'maybe'], says: 'tray-cred: unlockOnRequest takes on or off, not "maybe"' },
  ];
  for (const c of cases) {
    const r = await sandbox.trayCred(c.args);
    assert.equal(r.status, EXIT_STATUS.USAGE, `${c.args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `${c.says}\n`);
    assert.doesNotMatch(r.stderr, /durationSeconds|roleArn|sts\.|source\./);
  }
  const off = await ok(sandbox, ['settings', 'idleLockMinutes', 'off']);
  assert.equal(off.stdout, 'idleLockMinutes = 0\n');
  assert.equal(JSON.parse(await readFile(join(sandbox.home, 'settings.json'), 'utf8')).idleLockMinutes, 0);
});

test('an option that does nothing under the policy is stored, and a warning on stderr says so', async (t) => {
  const { sandbox } = await withDev(t);
  const allow = await ok(sandbox, ['policy', 'dev', 'allow', '--remember', '15']);
  assert.equal(allow.stdout, 'Profile "dev": allow.\n');
  assert.equal(
    allow.stderr,
    'tray-cred: warning: --remember applies only to ask: "dev" is allow, so 15 min is stored but does nothing until `tray-cred policy dev ask`\n',
  );
  const listed = JSON.parse((await ok(sandbox, ['list', '--json'])).stdout) as { rememberMinutes?: number }[];
  assert.equal(listed[0]!.rememberMinutes, 15);

  const ask = await ok(sandbox, ['policy', 'dev', 'ask', '--remember', '15']);
  assert.equal(ask.stdout, 'Profile "dev": ask, approvals remembered for 15 min.\n');
  assert.equal(ask.stderr, '', 'no warning where the option works');

  const deny = await ok(sandbox, ['policy', 'dev', 'deny', '--notify']);
  assert.match(deny.stderr, /^tray-cred: warning: --notify applies only to accesses served: "dev" is deny/);
});

test('audit, list and status before init say there is no vault and how to make one (exit 14); status after init without an agent is exit 3', async (t) => {
  const { sandbox } = await testSandbox(t);
  for (const args of [['audit'], ['audit', '--json'], ['list'], ['status']]) {
    const r = await sandbox.trayCred(args);
    assert.equal(r.status, EXIT_STATUS.ENVIRONMENT, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `tray-cred: there is no vault at ${join(sandbox.home, 'vault.json')}: run \`tray-cred init\` first (or set TRAY_CRED_HOME to where your vault is)\n`,
    );
  }
  await ok(sandbox, ['init']);
  assert.equal((await ok(sandbox, ['audit'])).stdout.split('\n')[0]!.split(/ +/)[0], 'SEQ');
  const status = await sandbox.trayCred(['status']);
  assert.equal(status.status, EXIT_STATUS.NOT_RUNNING, status.stderr);
  assert.match(status.stderr, /^tray-cred: no tray-cred agent answers at /);
});

test('LAST USED in `tray-cred list` is current within about a second of a use', { timeout: 60_000 }, async (t) => {
  const { sandbox, startAgent } = await withDev(t);
  await startAgent();
  const served = await run(HELPER, ['dev'], { env: sandbox.env });
  assert.equal(served.status, 0, served.stderr);
  const usedBy = Date.now();
  let lastUsedAt: string | undefined;
  // Each list takes a few hundred ms; the agent writes 1 s after the use.
  while (lastUsedAt === undefined && Date.now() - usedBy < 1_800) {
    lastUsedAt = (JSON.parse((await ok(sandbox, ['list', '--json'])).stdout) as { lastUsedAt?: string }[])[0]!
      .lastUsedAt;
  }
  assert.ok(lastUsedAt, 'list shows no last-used time 1.8 s after the use');
  assert.ok(
    Math.abs(Date.parse(lastUsedAt) - usedBy) < 2_000,
    `last used ${lastUsedAt}, the use was at ${new Date(usedBy).toISOString()}`,
  );
});

test("the helper's command line: one profile name is taken as it is, every other form goes through the parser with the same rules", {
  timeout: 60_000,
}, async (t) => {
  const { sandbox, startAgent } = await withDev(t);
  await startAgent();
  const helper = (args: readonly string[]): Promise<RunResult> => run(HELPER, args, { env: sandbox.env });
  const served = (r: RunResult, form: string): void => {
    assert.equal(r.status, 0, `${form}: ${r.stderr}`);
    assert.equal((JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId, DEV_KEYS.accessKeyId, form);
  };
  served(await helper(['dev']), 'dev');
  served(await helper(['--timeout', '5', 'dev']), '--timeout 5 dev');
  served(await helper(['dev', '--timeout=5']), 'dev --timeout=5');
  served(await helper(['--', 'dev']), '-- dev');
  const usage = [
    { args: ['bad name'], says: /^tray-cred-helper: "bad name" is not a valid profile name\n$/ },
    { args: ['-dev'], says: /^tray-cred-helper: Unknown option '-d'/ },
    { args: ['dev', 'prod'], says: /^tray-cred-helper: expected exactly one profile name\nusage: tray-cred-helper/ },
    { args: [], says: /^tray-cred-helper: expected exactly one profile name\n/ },
    { args: ['--timeout', '0', 'dev'], says: /^tray-cred-helper: --timeout takes seconds from 1 to 3600\n$/ },
    { args: ['--timeout'], says: /^tray-cred-helper: Option '--timeout <value>' argument missing/ },
  ];
  for (const c of usage) {
    const r = await helper(c.args);
    assert.equal(r.status, EXIT_STATUS.USAGE, `${JSON.stringify(c.args)}: ${r.stderr}`);
    assert.match(r.stderr, c.says, JSON.stringify(c.args));
    assert.equal(r.stdout, '');
  }
  const version = await helper(['--version']);
  assert.equal(version.stdout, `tray-cred-helper ${VERSION} (protocol 1)\n`);
  const help = await helper(['-h']);
  assert.match(help.stdout, /^usage: tray-cred-helper \[--timeout <seconds>\] <profile>\n/);
});
