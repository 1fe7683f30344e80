/**
 * `tray-cred login` against loopback stand-ins: STS (GetFederationToken, AssumeRole) and the
 * console federation endpoint (getSigninToken), both in the STS stand-in, which checks that the
 * session it is handed is one it minted. The browser is replaced at the port that opens URLs
 * ($BROWSER): a script that records the URL. The sign-in URL must reach the browser or stdout
 * and nothing else: not stderr, not the agent's log, not the audit log.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { AgentClient } from '../../main/node/client/agent-client.ts';
import { thisProcessAsCaller } from '../../main/node/client/this-process.ts';
import { consoleUrl } from '../../main/node/exec/console-login.ts';
import {
  HELPER,
  auditEntries,
  credentialsFile,
  findSecrets,
  makeSandbox,
  run,
  startAgent,
  type Agent,
  type RunResult,
  type Sandbox,
} from './support.ts';

const ROLE = 'arn:aws:iam::123456789012:role/ProdAdmin';
const BLOCKED_KEYS = {
  accessKeyId: 'AKIABLOCKEDEXAMPLE01',
  secretAccessKey: 'blocked-secret-never-served-000000000000',
};

describe('tray-cred login', () => {
  let sandbox: Sandbox;
  let agent: Agent;
  let opened: string;
  const sts = new StsStandIn();
  const results: RunResult[] = [];
  const login = async (args: readonly string[]) => {
    const r = await sandbox.trayCred(['login', ...args, '--signin-url', `${sts.url}/federation`]);
    results.push(r);
    return r;
  };

  before(async () => {
    await sts.start();
    const prod = sts.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey);
    sts.addUser(DEV_KEYS.accessKeyId, DEV_KEYS.secretAccessKey);
    sts.addRole(ROLE, [prod]);
    sandbox = await makeSandbox();
    const creds = join(sandbox.root, 'creds');
    await writeFile(creds, credentialsFile({ prod: PROD_KEYS, dev: DEV_KEYS, blocked: BLOCKED_KEYS }));
    for (const args of [
      ['init'],
      ['import', creds],
      ['sts', 'prod', '--session-mode', 'on'],
      ['role', 'prod-admin', '--role-arn', ROLE, '--source-profile', 'prod'],
      ['policy', 'prod', 'allow'],
      ['policy', 'prod-admin', 'allow'],
      ['policy', 'dev', 'allow'],
      ['policy', 'blocked', 'deny'],
    ]) {
      const r = await sandbox.trayCred(args);
      assert.equal(r.status, 0, `tray-cred ${args.join(' ')}: ${r.stderr}`);
    }
    opened = join(sandbox.root, 'opened-url');
    const browser = join(sandbox.root, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > ${opened}\n`, { mode: 0o700 });
    sandbox.env.BROWSER = browser;
    sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
    agent = await startAgent(sandbox);
  });
  after(async () => {
    await agent?.stop();
    await sts.stop();
    await sandbox?.cleanup();
  });

  it("an IAM user's key becomes a federation token; the browser gets the sign-in URL", async () => {
    const r = await login(['dev']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    const url = new URL(await readFile(opened, 'utf8'));
    assert.equal(url.origin, sts.url);
    assert.equal(url.searchParams.get('Action'), 'login');
    assert.equal(
      url.searchParams.get('Destination'),
      'https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1',
    );
    const federation = sts.requests.filter((q) => q.action === 'GetFederationToken');
    assert.deepEqual(
      federation.map((q) => [q.accessKeyId, q.params.Name]),
      [[DEV_KEYS.accessKeyId, 'tray-cred-dev']],
    );
    assert.equal(sts.signins.length, 1);
    assert.equal(url.searchParams.get('SigninToken'), sts.signins[0]!.signinToken);
    assert.equal(sts.signins[0]!.principal, 'arn:aws:sts::123456789012:federated-user/tray-cred-dev');
    const entry = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1)!;
    assert.equal(entry.profile, 'dev');
    assert.equal(entry.served, 'federated', 'the agent minted the token: the key did not leave it');
    assert.match(entry.caller?.command ?? '', /tray-cred login dev --signin-url /);
  });

  it('a role session goes to the federation endpoint as it is; --stdout prints the URL; --region and --path pick the page', async () => {
    const r = await login([
      'prod-admin',
      '--stdout',
      '--region',
      'eu-west-1',
      '--path',
      '/s3/home',
      '--duration',
      '2h',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const url = new URL(r.stdout.trim());
    assert.equal(
      url.searchParams.get('Destination'),
      'https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1',
    );
    const signin = sts.signins.at(-1)!;
    assert.equal(url.searchParams.get('SigninToken'), signin.signinToken);
    assert.match(signin.principal, /:assumed-role\/ProdAdmin\//);
    assert.equal(signin.sessionDuration, '7200');
    assert.equal(
      sts.requests.filter((q) => q.action === 'GetFederationToken').length,
      1,
      'no federation token for a role',
    );
  });

  it('a session-mode profile signs in too: the agent mints a federation token over its key (not GetSessionToken), audited as federated, never cached', async () => {
    const before = sts.requests.length;
    const r = await login(['prod', '--duration', '2h']);
    assert.equal(r.status, 0, r.stderr);
    const calls = sts.requests.slice(before).map((q) => [q.action, q.accessKeyId, q.params.Name]);
    assert.deepEqual(
      calls,
      [['GetFederationToken', PROD_KEYS.accessKeyId, 'tray-cred-prod']],
      'one federation token over the stored key, no session token',
    );
    const signin = sts.signins.at(-1)!;
    assert.equal(signin.principal, 'arn:aws:sts::123456789012:federated-user/tray-cred-prod');
    assert.equal(signin.sessionDuration, undefined, 'a federation token carries its own length');
    assert.equal(new URL(await readFile(opened, 'utf8')).searchParams.get('SigninToken'), signin.signinToken);
    const entry = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1)!;
    assert.deepEqual([entry.profile, entry.decision, entry.served], ['prod', 'allowed', 'federated']);
    // The console's token is not the profile's session: the helper still gets a GetSessionToken session.
    const helper = await run(HELPER, ['prod'], { env: sandbox.env, killAfterMs: 60_000 });
    assert.equal(helper.status, 0, helper.stderr);
    const served = JSON.parse(helper.stdout) as { AccessKeyId: string };
    assert.notEqual(served.AccessKeyId, entry.credentialId);
    const next = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1)!;
    assert.ok(next.served === 'cache' || next.served === 'minted', `the helper's access was served ${next.served}`);
    assert.ok(
      sts.requests.some((q) => q.action === 'GetSessionToken' && q.accessKeyId === PROD_KEYS.accessKeyId),
      "prod's clients get GetSessionToken sessions",
    );
  });

  it('an older client without purpose still gets session credentials, which the federation endpoint refuses: the message says what works', async () => {
    const creds = await new AgentClient({
      socket: sandbox.env.TRAY_CRED_SOCKET!,
      caller: thisProcessAsCaller(['test']),
    }).credentials('prod');
    assert.ok(creds.SessionToken);
    await assert.rejects(
      consoleUrl(creds, {
        profile: 'prod',
        region: 'us-east-1',
        destination: undefined,
        signinUrl: `${sts.url}/federation`,
        durationSeconds: 3600,
      }),
      (e: Error) => {
        assert.match(
          e.message,
          /^the federation endpoint http:\/\/127\.0\.0\.1:\d+\/federation\?Action=getSigninToken&SessionDuration=3600 answered HTTP 400: it refused the session: the profile's credentials must be a role session or an IAM user's key/,
        );
        assert.deepEqual(findSecrets(e.message, [creds.SecretAccessKey, creds.SessionToken!, 'Session=']), []);
        return true;
      },
    );
  });

  it('a federation endpoint that fails (HTTP 500) is named with its status, without the session, and the credentials are not blamed', async () => {
    let session = '';
    const failing = createServer((req, res) => {
      session = new URL(req.url ?? '/', 'http://x').searchParams.get('Session') ?? '';
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/federation`;
      const r = await sandbox.trayCred(['login', 'prod-admin', '--stdout', '--signin-url', url]);
      results.push(r);
      assert.equal(r.status, EXIT_STATUS.UPSTREAM, r.stderr);
      assert.equal(
        r.stderr,
        `tray-cred: the federation endpoint ${url}?Action=getSigninToken&SessionDuration=3600 answered HTTP 500: the sign-in service failed, not the credentials: try again later\n`,
      );
      const sent = JSON.parse(session) as { sessionKey: string; sessionToken: string };
      assert.ok(sent.sessionKey && sent.sessionToken, 'the endpoint was sent the role session');
      assert.deepEqual(findSecrets(r.stderr + r.stdout, [sent.sessionKey, sent.sessionToken, session]), []);
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
  });

  it('a deny policy is refused before anything reaches STS or the browser', async () => {
    const before = sts.requests.length;
    const beforeOpened = existsSync(opened) ? await readFile(opened, 'utf8') : '';
    const r = await login(['blocked']);
    assert.equal(r.status, EXIT_STATUS.DENIED);
    assert.equal(sts.requests.length, before);
    assert.equal(existsSync(opened) ? await readFile(opened, 'utf8') : '', beforeOpened);
  });

  it('the sign-in URL and its token are in no log: not stderr, not the agent, not the audit log', async () => {
    const tokens = sts.signins.map((s) => s.signinToken);
    assert.equal(tokens.length, 3);
    const audit = JSON.stringify(await auditEntries(sandbox));
    const logs = results.map((r) => r.stderr).join('') + agent.stderr() + audit;
    assert.deepEqual(findSecrets(logs, tokens), []);
    assert.deepEqual(
      findSecrets(logs + results.map((r) => r.stdout).join(''), [DEV_KEYS.secretAccessKey, PROD_KEYS.secretAccessKey]),
      [],
    );
  });
});
