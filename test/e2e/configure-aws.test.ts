/**
 * `tray-cred configure-aws` on AWS config files as people write them: comments, [default],
 * [sso-session x], [services x] with nested keys, odd spacing, CRLF, no final newline,
 * duplicate keys, no file at all. For each: --dry-run prints the unified diff and writes
 * nothing; the real run changes only the intended lines (whole file compared), backs up the
 * old file byte for byte, and the real AWS CLI (or, where the CLI refuses the file before and
 * after, the SDK for JavaScript) reads the result and gets the vault's keys through the helper.
 * The line names the helper by the full path PATH finds it at (dist/bin here), so a terminal
 * whose PATH lacks it runs it too; a bare `tray-cred-helper <profile>` line is rewritten so.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fromProcess } from '@aws-sdk/credential-providers';
import { createTwoFilesPatch } from 'diff';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { awsCli } from './aws-cli-driver.ts';
import {
  AWS_CLI,
  DIST_BIN,
  HELPER,
  NODE_BIN,
  TRAY_CRED,
  credentialsFile,
  makeSandbox,
  run,
  startAgent,
  type Agent,
  type Sandbox,
} from './support.ts';

type Keys = { accessKeyId: string; secretAccessKey: string };
const DEFAULT_KEYS: Keys = {
  accessKeyId: 'AKIADEFAULTEXAMPLE01',
  secretAccessKey: 'defaultSecret0/K7MDENG+bPxRfiCYEXAMPLE2',
};
const OPS_KEYS: Keys = {
  accessKeyId: 'AKIAOPSKEYSEXAMPLE01',
  secretAccessKey: 'opsSecret00000/K7MDENG+bPxRfiCYEXAMPLE4',
};
const PLAINTEXT_DEV: Keys = {
  accessKeyId: 'AKIAPLAINTEXTDEVEXAM',
  secretAccessKey: 'plaintextDevSecret/K7MDENG+bPxRfiCYEXAM',
};
const VAULT: Record<string, Keys> = { default: DEFAULT_KEYS, dev: DEV_KEYS, ops: OPS_KEYS, prod: PROD_KEYS };

interface Case {
  name: string;
  /** The config before, or null for no file. */
  before: string | null;
  /** --profiles, or every vault profile. */
  profiles?: string[];
  after: string;
  credentials?: string;
  /** What configure-aws writes to stderr (dry run and real run alike). */
  stderr?: string;
  /** [profile, key, value] that `aws configure get` must print afterwards. */
  settings: [string, string, string][];
  /** Profiles whose keys a client must then get, and the keys it must get. */
  served: [string, Keys][];
  /** The AWS CLI refuses the file before and after (duplicate keys): the SDK is asked instead. */
  cliRefuses?: boolean;
  /** A hand-written expected --dry-run output, to pin the diff's format. */
  diff?: (config: string) => string;
}

const lines = (...l: string[]): string => l.join('\n');

const CASES: Case[] = [
  {
    name: 'a hand-written config: comments, [default], [sso-session], [services], odd spacing, a nested block, a similar name',
    before: lines(
      '# my aws config',
      '; managed by hand',
      '',
      '[default]',
      'region=eu-west-1',
      'output = json',
      '',
      '[sso-session corp]',
      'sso_start_url = https://corp.awsapps.com/start',
      'sso_region = us-east-1',
      '',
      '[services local-s3]',
      's3 =',
      '  endpoint_url = http://localhost:9000',
      '',
      '[profile   dev  ]   # trailing comment',
      'region   =   us-west-2',
      's3 =',
      '    max_concurrent_requests = 20',
      '  # keep this comment',
      '',
      '[profile dev-old]',
      'region = us-west-1',
      'credential_process = legacy-tool dev-old',
      '',
      '[profile prod]',
      'region = us-east-1',
      'services = local-s3',
      "credential_process = sh -c '$HOME/.aws/get_creds.sh prod'",
      '# end',
      '',
    ),
    after: lines(
      '# my aws config',
      '; managed by hand',
      '',
      '[default]',
      'region=eu-west-1',
      'output = json',
      `credential_process = ${HELPER} default`,
      '',
      '[sso-session corp]',
      'sso_start_url = https://corp.awsapps.com/start',
      'sso_region = us-east-1',
      '',
      '[services local-s3]',
      's3 =',
      '  endpoint_url = http://localhost:9000',
      '',
      '[profile   dev  ]   # trailing comment',
      'region   =   us-west-2',
      's3 =',
      '    max_concurrent_requests = 20',
      `credential_process = ${HELPER} dev`,
      '  # keep this comment',
      '',
      '[profile dev-old]',
      'region = us-west-1',
      'credential_process = legacy-tool dev-old',
      '',
      '[profile prod]',
      'region = us-east-1',
      'services = local-s3',
      `credential_process = ${HELPER} prod`,
      '# end',
      '',
      '[profile ops]',
      `credential_process = ${HELPER} ops`,
      '',
    ),
    settings: [
      ['default', 'region', 'eu-west-1'],
      ['dev', 'region', 'us-west-2'],
      ['dev-old', 'credential_process', 'legacy-tool dev-old'],
      ['prod', 'services', 'local-s3'],
      ['ops', 'credential_process', `${HELPER} ops`],
    ],
    served: [
      ['default', DEFAULT_KEYS],
      ['dev', DEV_KEYS],
      ['prod', PROD_KEYS],
      ['ops', OPS_KEYS],
    ],
  },
  {
    name: 'CRLF line endings and no final newline',
    before: '[default]\r\nregion = eu-west-1\r\n\r\n[profile dev]\r\nregion = us-west-2\r\noutput = text',
    profiles: ['dev', 'ops'],
    after:
      `[default]\r\nregion = eu-west-1\r\n\r\n[profile dev]\r\nregion = us-west-2\r\noutput = text\r\ncredential_process = ${HELPER} dev\r\n` +
      `\r\n[profile ops]\r\ncredential_process = ${HELPER} ops\r\n`,
    settings: [
      ['default', 'region', 'eu-west-1'],
      ['dev', 'output', 'text'],
    ],
    served: [
      ['dev', DEV_KEYS],
      ['ops', OPS_KEYS],
    ],
  },
  {
    name: 'duplicate credential_process keys in one section: both are set',
    before: lines(
      '[profile dev]',
      'credential_process = old-tool dev',
      'region = us-west-2',
      'credential_process=other-tool --profile dev',
      'output = json',
      '',
    ),
    profiles: ['dev'],
    after: lines(
      '[profile dev]',
      `credential_process = ${HELPER} dev`,
      'region = us-west-2',
      `credential_process = ${HELPER} dev`,
      'output = json',
      '',
    ),
    settings: [],
    served: [['dev', DEV_KEYS]],
    cliRefuses: true,
  },
  {
    name: 'no config file at all: it is made, with nothing to back up',
    before: null,
    profiles: ['dev'],
    after: `[profile dev]\ncredential_process = ${HELPER} dev\n`,
    settings: [['dev', 'credential_process', `${HELPER} dev`]],
    served: [['dev', DEV_KEYS]],
  },
  {
    name: 'plaintext keys for the profile in the credentials file: a warning, since the CLI takes them first',
    before: '[profile dev]\nregion = us-west-2\n',
    profiles: ['dev'],
    after: `[profile dev]\nregion = us-west-2\ncredential_process = ${HELPER} dev\n`,
    credentials: credentialsFile({ unrelated: OPS_KEYS, dev: PLAINTEXT_DEV }),
    stderr:
      'warning: CREDENTIALS still has plaintext keys for "dev", and the AWS CLI uses them before credential_process: run `tray-cred import CREDENTIALS --profiles dev --remove-source`\n',
    settings: [['dev', 'region', 'us-west-2']],
    served: [['dev', PLAINTEXT_DEV]],
    diff: (config) =>
      `Index: ${config}\n===================================================================\n--- ${config}\tnow\n+++ ${config}\tafter configure-aws\n` +
      `@@ -1,2 +1,3 @@\n [profile dev]\n region = us-west-2\n+credential_process = ${HELPER} dev\n`,
  },
];

let sandbox: Sandbox;
let agent: Agent;

before(async () => {
  sandbox = await makeSandbox();
  const init = await sandbox.trayCred(['init']);
  assert.equal(init.status, 0, init.stderr);
  const file = join(sandbox.root, 'to-import');
  await writeFile(file, credentialsFile(VAULT));
  const imported = await sandbox.trayCred(['import', file]);
  assert.equal(imported.status, 0, imported.stderr);
  // prod would start in STS session mode (sts.test.ts covers it); here the stored keys are what the clients must get.
  const sts = await sandbox.trayCred(['sts', 'prod', '--session-mode', 'off']);
  assert.equal(sts.stdout, 'Profile "prod": session mode off, 3600 s.\n', sts.stderr);
  agent = await startAgent(sandbox, ['--approver', '/bin/true']);
});

after(async () => {
  await agent?.stop();
  await sandbox?.cleanup();
});

/** The SDK for JavaScript v3, which reads duplicate keys (last one wins) where the CLI gives up. */
async function sdkKeys(config: string, credentials: string, profile: string): Promise<Keys> {
  const saved = { PATH: process.env.PATH, TRAY_CRED_SOCKET: process.env.TRAY_CRED_SOCKET };
  process.env.PATH = [DIST_BIN, NODE_BIN, process.env.PATH ?? ''].join(':');
  process.env.TRAY_CRED_SOCKET = sandbox.socket;
  try {
    const c = await fromProcess({ profile, configFilepath: config, filepath: credentials, ignoreCache: true })();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('configure-aws on a corpus of real-world configs', () => {
  CASES.forEach((c, i) => {
    test(c.name, { timeout: 300_000 }, async () => {
      const dir = join(sandbox.root, `case-${i}`);
      await mkdir(dir);
      const config = join(dir, 'config');
      const credentials = join(dir, 'credentials');
      if (c.before !== null) await writeFile(config, c.before);
      if (c.credentials !== undefined) await writeFile(credentials, c.credentials);
      const env = { ...sandbox.env, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
      const args = ['configure-aws', ...(c.profiles ? ['--profiles', c.profiles.join(',')] : [])];
      const listing = async (): Promise<string[]> => (await readdir(dir)).sort();
      const filesBefore = await listing();
      const stderr = (c.stderr ?? '').replaceAll('CREDENTIALS', credentials);
      const cli = (profile: string, ...rest: string[]) => awsCli(['configure', ...rest, '--profile', profile], { env });

      const refusedBefore = c.cliRefuses ? await cli('dev', 'get', 'region') : undefined;
      if (refusedBefore) {
        assert.equal(refusedBefore.status, 255, 'the AWS CLI refuses a config with duplicate keys');
        assert.equal(refusedBefore.stderr, `\nUnable to parse config file: ${config}\n`);
      }

      const dry = await run(TRAY_CRED, [...args, '--dry-run'], { env });
      assert.equal(dry.status, 0, dry.stderr);
      assert.equal(dry.stderr, stderr);
      assert.equal(
        dry.stdout,
        c.diff
          ? c.diff(config)
          : createTwoFilesPatch(config, config, c.before ?? '', c.after, 'now', 'after configure-aws'),
      );
      assert.deepEqual(await listing(), filesBefore, '--dry-run creates no file');
      if (c.before !== null) assert.equal(await readFile(config, 'utf8'), c.before, '--dry-run writes nothing');

      const real = await run(TRAY_CRED, args, { env });
      assert.equal(real.status, 0, real.stderr);
      assert.equal(real.stderr, stderr);
      const backups = (await listing()).filter((n) => n.startsWith('config.tray-cred-backup-'));
      const changed = c.profiles ?? Object.keys(VAULT).sort();
      const set = `Set credential_process = ${HELPER} <profile> for ${changed.join(', ')} in ${config}.\n`;
      if (c.before === null) {
        assert.deepEqual(backups, [], 'no backup of a file that did not exist');
        assert.equal(real.stdout, set);
      } else {
        assert.equal(backups.length, 1);
        const backup = join(dir, backups[0]!);
        assert.equal(real.stdout, `Backed up ${config} to ${backup}\n${set}`);
        assert.equal(await readFile(backup, 'utf8'), c.before, 'the backup is the old file, byte for byte');
      }
      assert.deepEqual(
        await listing(),
        [...filesBefore, 'config', ...backups].filter((n, k, all) => all.indexOf(n) === k).sort(),
      );
      assert.equal(await readFile(config, 'utf8'), c.after);

      // Run again: nothing to do, nothing written.
      const again = await run(TRAY_CRED, args, { env });
      assert.equal(again.status, 0, again.stderr);
      assert.equal(again.stdout, `${config} already points ${changed.join(', ')} at ${HELPER}.\n`);
      const dryAgain = await run(TRAY_CRED, [...args, '--dry-run'], { env });
      assert.equal(dryAgain.stdout, `${config} needs no change.\n`);
      assert.equal(await readFile(config, 'utf8'), c.after);
      assert.equal(
        (await listing()).filter((n) => n.startsWith('config.tray-cred-backup-')).length,
        backups.length,
        'no second backup',
      );

      // The real clients read the result.
      for (const [profile, key, value] of c.settings) {
        const got = await cli(profile, 'get', key);
        assert.equal(got.stdout, `${value}\n`, `aws configure get ${key} --profile ${profile}: ${got.stderr}`);
        assert.equal(got.status, 0);
      }
      if (c.cliRefuses) {
        const refusedAfter = await cli('dev', 'get', 'region');
        assert.deepEqual(
          [refusedAfter.status, refusedAfter.stderr],
          [refusedBefore!.status, refusedBefore!.stderr],
          'the CLI reads it no worse than before',
        );
      }
      for (const [profile, keys] of c.served) {
        if (c.cliRefuses) {
          assert.deepEqual(await sdkKeys(config, credentials, profile), keys, `SDK v3 fromProcess for ${profile}`);
          continue;
        }
        const got = await cli(profile, 'export-credentials');
        assert.equal(got.status, 0, `aws configure export-credentials --profile ${profile}: ${got.stderr}`);
        assert.deepEqual(JSON.parse(got.stdout), {
          Version: 1,
          AccessKeyId: keys.accessKeyId,
          SecretAccessKey: keys.secretAccessKey,
        });
      }
    });
  });
});

test('bare `tray-cred-helper <profile>` lines get the full path found on PATH, and aws then works in a terminal whose PATH lacks it', {
  timeout: 120_000,
}, async () => {
  const dir = join(sandbox.root, 'bare');
  await mkdir(dir);
  const config = join(dir, 'config');
  const bare =
    '[profile dev]\nregion = us-west-2\ncredential_process = tray-cred-helper dev\n\n[profile ops]\ncredential_process = tray-cred-helper ops\n';
  await writeFile(config, bare);
  // The shell configure-aws runs in finds the helper on PATH (dist/bin first); another terminal's PATH does not.
  const env = { ...sandbox.env, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
  const terminal = { ...env, PATH: `${NODE_BIN}:/usr/bin:/bin` };
  const exported = () => run(AWS_CLI, ['configure', 'export-credentials', '--profile', 'dev'], { env: terminal });
  const before = await exported();
  assert.notEqual(before.status, 0, 'by name, the helper is not found there');
  assert.match(before.stderr, /No such file or directory: 'tray-cred-helper'/);

  const r = await run(TRAY_CRED, ['configure-aws', '--profiles', 'dev,ops'], { env });
  assert.equal(r.status, 0, r.stderr);
  const backup = (await readdir(dir)).find((n) => n.startsWith('config.tray-cred-backup-'));
  assert.equal(
    r.stdout,
    `Backed up ${config} to ${join(dir, backup!)}\nSet credential_process = ${HELPER} <profile> for dev, ops in ${config}.\n` +
      'dev, ops ran tray-cred-helper by name, which works only where PATH finds it: now by its full path, which works in every terminal and app.\n',
  );
  assert.equal(await readFile(config, 'utf8'), bare.replaceAll('= tray-cred-helper ', `= ${HELPER} `));
  const after = await exported();
  assert.equal(after.status, 0, after.stderr);
  assert.equal((JSON.parse(after.stdout) as { AccessKeyId: string }).AccessKeyId, DEV_KEYS.accessKeyId);

  // --unset takes out tray-cred's line in either form.
  await writeFile(
    config,
    `[profile dev]\ncredential_process = ${HELPER} dev\n[profile ops]\ncredential_process = tray-cred-helper ops\n`,
  );
  const unset = await run(TRAY_CRED, ['configure-aws', '--unset', 'dev,ops'], { env });
  assert.equal(unset.status, 0, unset.stderr);
  assert.equal(await readFile(config, 'utf8'), '[profile dev]\n[profile ops]\n');
});
