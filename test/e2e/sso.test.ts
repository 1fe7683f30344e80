/**
 * IAM Identity Center end to end: `tray-cred sso add/login/status/logout` and a real agent
 * against a loopback stand-in of the OIDC service and the access portal (device code, polling
 * through authorization_pending and slow_down, expiry, refresh). The real AWS CLI v2 and boto3
 * get the role credentials through the helper; no token is ever in a file outside the vault.
 */
import assert from 'node:assert/strict';
import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { IdentityCenterStandIn } from '../fakes/identity-center-stand-in.ts';
import {
  AWS_CLI,
  HELPER,
  PYTHON,
  ROOT,
  TRAY_CRED,
  auditEntries,
  findSecrets,
  makeSandbox,
  run,
  startAgent,
  writeAwsConfig,
  type Agent,
  type Sandbox,
} from './support.ts';
import { spawnGroup } from '../node/processes.ts';

const BOTO3 = `
import boto3, json, sys
c = boto3.Session(profile_name=sys.argv[1]).get_credentials().get_frozen_credentials()
json.dump([c.access_key, c.secret_key, c.token], sys.stdout)
`;

/** Every file under `dir` (that we may read) whose bytes contain one of `needles`. */
async function filesContaining(dir: string, needles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && (await stat(path)).size < 50_000_000) {
        const text = (await readFile(path).catch(() => Buffer.alloc(0))).toString('latin1');
        if (needles.some((n) => text.includes(n))) found.push(path);
      }
    }
  };
  await walk(dir);
  return found;
}

/** `tray-cred sso login --no-browser`, with the sign-in URL it prints handed to `onUrl`. */
function login(
  sandbox: Sandbox,
  profile: string,
  onUrl: (url: string) => void,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawnGroup(TRAY_CRED, ['sso', 'login', profile, '--no-browser'], {
    env: sandbox.env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let told = false;
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    const m = /Open (\S+) and confirm the code/.exec(stdout);
    if (m && !told) {
      told = true;
      onUrl(m[1]!);
    }
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

describe('IAM Identity Center profiles', () => {
  const center = new IdentityCenterStandIn();
  let sandbox: Sandbox;
  let agent: Agent;

  before(async () => {
    await center.start();
    // The portal serves only what the administrator assigned: the profile's account and role.
    center.assign('111122223333', 'Dev');
    sandbox = await makeSandbox();
    sandbox.env.AWS_ENDPOINT_URL_SSO_OIDC = center.url;
    sandbox.env.AWS_ENDPOINT_URL_SSO = center.url;
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    agent = await startAgent(sandbox);
  });
  after(async () => {
    await agent?.stop();
    await center.stop();
    await sandbox?.cleanup();
  });

  it('signs in with a device code, serves the AWS CLI and boto3 through the helper, refreshes, and keeps no token outside the vault', async () => {
    // The AWS CLI v2 layout: a profile naming an sso-session section.
    await writeFile(
      sandbox.awsConfig,
      `[profile team]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n`,
    );
    const add = await sandbox.trayCred(['sso', 'add', 'team', '--from-config']);
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /role Dev in 111122223333 through https:\/\/corp\.awsapps\.com\/start/);
    assert.match((await sandbox.trayCred(['list'])).stdout, /\nteam +allow +- +IAM Identity Center /);
    const before = await sandbox.trayCred(['sso', 'status']);
    assert.match(before.stdout, /team .* sign-in needed: tray-cred sso login team/);
    const unsigned = await run(HELPER, ['team'], { env: sandbox.env });
    assert.equal(unsigned.status, EXIT_STATUS.SIGN_IN, unsigned.stderr);

    // Access tokens shorter than the refresh window: every mint refreshes first.
    center.accessTokenSeconds = 120;
    const signedIn = await login(sandbox, 'team', (url) => {
      const code = /user_code=([\w-]+)$/.exec(url)![1]!;
      setTimeout(() => center.approve(code), 1500);
    });
    assert.equal(signedIn.status, 0, signedIn.stderr);
    assert.match(
      signedIn.stdout,
      /^Open http:\/\/127\.0\.0\.1:\d+\/start\/#\/device\?user_code=\w{4}-\w{4} and confirm the code \w{4}-\w{4}\. Waiting…\nSigned in/,
    );
    const polls = center.calls.filter((c) => c.path === '/token').length;
    assert.ok(polls >= 3, `polled through authorization_pending and slow_down (${polls} polls)`);

    await writeAwsConfig(sandbox, ['team']);
    const cli = await run(AWS_CLI, ['configure', 'export-credentials', '--profile', 'team'], { env: sandbox.env });
    assert.equal(cli.status, 0, cli.stderr);
    const got = JSON.parse(cli.stdout) as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    assert.deepEqual(
      { secretAccessKey: got.SecretAccessKey, sessionToken: got.SessionToken },
      center.minted.get(got.AccessKeyId),
      'the role credentials the portal minted',
    );
    assert.ok(
      center.calls.some((c) => c.path === '/token' && c.grantType === 'refresh_token'),
      'the short access token was refreshed with the refresh token',
    );
    const py = await run(PYTHON, ['-c', BOTO3, 'team'], { env: sandbox.env });
    assert.equal(py.status, 0, py.stderr);
    assert.deepEqual(
      JSON.parse(py.stdout),
      [got.AccessKeyId, got.SecretAccessKey, got.SessionToken],
      'boto3 gets the cached session',
    );

    const accesses = (await auditEntries(sandbox)).filter((e) => e.event === 'access' && e.profile === 'team');
    assert.deepEqual(accesses.map((e) => [e.decision, e.served]).slice(-2), [
      ['allowed', 'minted'],
      ['allowed', 'cache'],
    ]);
    assert.match((await sandbox.trayCred(['sso', 'status'])).stdout, /team .* signed in until/);

    // No token in any file: not the test's HOME (~/.aws/sso/cache included), not the data directory.
    assert.ok(center.issued.length >= 4);
    assert.deepEqual(await filesContaining(homedir(), center.issued), []);
    assert.deepEqual(await filesContaining(sandbox.root, center.issued), []);
  });

  it('an ended sign-in (refresh token refused) says "sign in again", in the helper and the AWS CLI', async () => {
    center.revokeRefreshTokens();
    assert.equal((await sandbox.trayCred(['forget', 'team'])).status, 0);
    const h = await run(HELPER, ['team'], { env: sandbox.env });
    assert.equal(h.status, EXIT_STATUS.SIGN_IN, h.stderr);
    assert.equal(
      h.stderr,
      'tray-cred-helper: the IAM Identity Center sign-in of "team" has ended and its refresh token is no longer accepted: sign in again with `tray-cred sso login team`\n',
    );
    const cli = await run(AWS_CLI, ['configure', 'export-credentials', '--profile', 'team'], { env: sandbox.env });
    assert.notEqual(cli.status, 0);
    assert.match(cli.stderr, /sign in again with `tray-cred sso login team`/);
  });

  it('a device code nobody confirms expires with a clear message; logout deletes the tokens', async () => {
    center.deviceSeconds = 2;
    const r = await login(sandbox, 'team', () => undefined);
    center.deviceSeconds = 600;
    assert.equal(r.status, EXIT_STATUS.SIGN_IN, r.stderr);
    assert.match(
      r.stderr,
      /^tray-cred: the sign-in of "team" was not confirmed within 2 s: run `tray-cred sso login team` again/,
    );
    const out = await sandbox.trayCred(['sso', 'logout', 'team']);
    assert.equal(out.status, 0, out.stderr);
    assert.match((await sandbox.trayCred(['sso', 'status'])).stdout, /sign-in needed/);
    assert.equal((await run(HELPER, ['team'], { env: sandbox.env })).status, EXIT_STATUS.SIGN_IN);
  });

  it('an endpoint that answers HTML (a captive portal, a wrong region) is named with its status, not as a parse error', async () => {
    const portal = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Sign in to the hotel Wi-Fi</body></html>');
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
      const r = await run(TRAY_CRED, ['sso', 'login', 'team', '--no-browser'], {
        env: { ...sandbox.env, AWS_ENDPOINT_URL_SSO_OIDC: url },
      });
      assert.equal(r.status, EXIT_STATUS.UPSTREAM, r.stderr);
      assert.equal(
        r.stderr,
        `tray-cred: IAM Identity Center RegisterClient failed: ${url}/client/register answered HTTP 200 with something that is not the service's answer (a captive portal or proxy, or a wrong address): check the network and the sso region (and AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_SSO if set), then try again\n`,
      );
      assert.doesNotMatch(r.stderr, /Deserialization|Unexpected token/);
      assert.deepEqual(findSecrets(r.stderr + r.stdout, center.issued), []);
    } finally {
      await new Promise((resolve) => portal.close(resolve));
    }
  });

  it('doctor lists plaintext tokens in ~/.aws/sso/cache and unconverted sso_* profiles; --remove-sso-cache removes only converted ones', async () => {
    const home = join(sandbox.root, 'home');
    const cache = join(home, '.aws', 'sso', 'cache');
    await mkdir(cache, { recursive: true });
    const corp = join(cache, 'corp.json');
    const other = join(cache, 'other.json');
    await writeFile(
      corp,
      JSON.stringify({
        startUrl: 'https://corp.awsapps.com/start',
        region: 'eu-west-1',
        accessToken: 'plain-corp-token',
        expiresAt: '2030-01-01T00:00:00Z',
      }),
    );
    await writeFile(
      other,
      JSON.stringify({
        startUrl: 'https://other.awsapps.com/start',
        region: 'eu-west-1',
        accessToken: 'plain-other-token',
        expiresAt: '2030-01-01T00:00:00Z',
      }),
    );
    await writeFile(
      sandbox.awsConfig,
      `[profile team]\ncredential_process = tray-cred-helper team\n\n[profile legacy]\nsso_start_url = https://other.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 444455556666\nsso_role_name = Ops\n`,
    );
    const env = { ...sandbox.env, HOME: home };
    const doctor = await run(TRAY_CRED, ['doctor'], { env });
    assert.match(
      doctor.stdout,
      /todo .*corp\.json: a plaintext IAM Identity Center token for https:\/\/corp\.awsapps\.com\/start, which the vault now covers: remove it with `tray-cred doctor --remove-sso-cache`/,
    );
    assert.match(
      doctor.stdout,
      /todo .*other\.json: a plaintext IAM Identity Center token for https:\/\/other\.awsapps\.com\/start: convert its profiles/,
    );
    assert.match(
      doctor.stdout,
      /todo .*: legacy sign in with IAM Identity Center outside tray-cred: convert each with `tray-cred sso add <profile> --from-config`/,
    );
    assert.doesNotMatch(doctor.stdout + doctor.stderr, /plain-corp-token|plain-other-token/);
    const removed = await run(TRAY_CRED, ['doctor', '--remove-sso-cache'], { env });
    assert.match(removed.stdout, /ok +.*corp\.json: removed a plaintext IAM Identity Center token/);
    await assert.rejects(access(corp));
    await access(other);
  });
});
