/**
 * The local credential endpoint (`exec --server`, `serve`) with the real clients: boto3, the
 * SDK for JavaScript v3 and the AWS CLI v2 read it through AWS_CONTAINER_CREDENTIALS_FULL_URI.
 * A hostile local client (a wrong or missing token, a rebinding Host, a page's browser headers)
 * is refused, the endpoint is gone when the command exits, and every fetch is audited without
 * the token or a key in the log.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import {
  AWS_CLI,
  NODE_BIN,
  PYTHON,
  ROOT,
  TRAY_CRED,
  auditEntries,
  credentialsFile,
  findSecrets,
  makeSandbox,
  run,
  startAgent,
  type Agent,
  type Sandbox,
} from './support.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';

/** Python's own HTTP client, to send what a real SDK never would. Prints one status per probe. */
const PROBES = `import http.client, json, os, urllib.parse
u = urllib.parse.urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
tok = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
open(os.environ["PROBE_OUT"], "w").write(json.dumps({"url": os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], "token": tok}))
def probe(headers, host=None, method="GET"):
    c = http.client.HTTPConnection(u.hostname, u.port)
    c.putrequest(method, u.path, skip_host=True)
    c.putheader("Host", host or u.netloc)
    for k, v in headers.items(): c.putheader(k, v)
    c.endheaders()
    r = c.getresponse(); body = r.read().decode(); c.close()
    return [r.status, json.loads(body).get("code")]
print(json.dumps({
  "good": probe({"Authorization": tok}),
  "wrong": probe({"Authorization": tok[:-1] + ("A" if tok[-1] != "A" else "B")}),
  "none": probe({}),
  "rebinding": probe({"Authorization": tok}, host="attacker.example:%d" % u.port),
  "origin": probe({"Authorization": tok, "Origin": "https://attacker.example"}),
  "fetch": probe({"Authorization": tok, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}),
  "post": probe({"Authorization": tok}, method="POST"),
}))`;

const LOOP = `import http.client, json, os, urllib.parse
u = urllib.parse.urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
c = http.client.HTTPConnection(u.hostname, u.port)
keys = set()
for i in range(1000):
    c.request("GET", u.path, headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
    r = c.getresponse(); body = json.loads(r.read())
    assert r.status == 200, body
    keys.add(body["AccessKeyId"])
print(json.dumps(sorted(keys)))`;

const BOTO3 = `import boto3, json
s = boto3.Session(); c = s.get_credentials()
f = c.get_frozen_credentials()
print(json.dumps({"method": c.method, "key": f.access_key, "token": bool(f.token)}))`;

/** Two reads of one credentials object: a 15-minute session is inside botocore's advisory refresh window, so the second read refreshes. */
const REFRESH = `import boto3, json
c = boto3.Session().get_credentials()
a = c.get_frozen_credentials().access_key
b = c.get_frozen_credentials().access_key
print(json.dumps([c.method, a, b]))`;

const JS_SDK = `const { fromContainerMetadata, fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
const a = await fromContainerMetadata()();
const b = await fromNodeProviderChain()();
console.log(JSON.stringify({ container: a.accessKeyId, chain: b.accessKeyId, token: Boolean(a.sessionToken), expiration: Boolean(a.expiration) }));`;

describe('the local credential endpoint', () => {
  let sandbox: Sandbox;
  let agent: Agent;
  const sts = new StsStandIn();
  const texts: string[] = [];
  const exec = async (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = await run(TRAY_CRED, ['exec', '--server', 'prod', '--', ...args], {
      env: { ...sandbox.env, ...extraEnv },
    });
    texts.push(r.stdout, r.stderr);
    return r;
  };

  before(async () => {
    await sts.start();
    sts.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey);
    sandbox = await makeSandbox();
    const creds = join(sandbox.root, 'creds');
    await writeFile(creds, credentialsFile({ prod: PROD_KEYS, short: DEV_KEYS }));
    sts.addUser(DEV_KEYS.accessKeyId, DEV_KEYS.secretAccessKey);
    // short: 15-minute sessions, always inside botocore's 15-minute advisory refresh window.
    for (const args of [
      ['init'],
      ['import', creds],
      ['sts', 'prod', '--session-mode', 'on'],
      ['policy', 'prod', 'allow'],
      ['sts', 'short', '--session-mode', 'on', '--duration', '900', '--short-session'],
      ['policy', 'short', 'allow'],
    ]) {
      const r = await sandbox.trayCred(args);
      assert.equal(r.status, 0, `tray-cred ${args.join(' ')}: ${r.stderr}`);
    }
    sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
    sandbox.env.AWS_REGION = 'us-east-1';
    agent = await startAgent(sandbox);
  });
  after(async () => {
    await agent?.stop();
    await sts.stop();
    await sandbox?.cleanup();
  });

  it('boto3 gets session credentials from it, as container credentials', async () => {
    const r = await exec([PYTHON, '-c', BOTO3]);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout) as { method: string; key: string; token: boolean };
    assert.equal(c.method, 'container-role');
    assert.match(c.key, /^ASIA/);
    assert.ok(c.token);
  });

  it('boto3 refreshes from it by itself: each refresh is a new fetch, decided and audited', async () => {
    const before = (await auditEntries(sandbox)).filter((e) => e.profile === 'short').length;
    const mintsBefore = sts.requests.filter((q) => q.accessKeyId === DEV_KEYS.accessKeyId).length;
    const r = await run(TRAY_CRED, ['exec', '--server', 'short', '--', PYTHON, '-c', REFRESH], { env: sandbox.env });
    assert.equal(r.status, 0, r.stderr);
    const [method, first, second] = JSON.parse(r.stdout) as [string, string, string];
    assert.equal(method, 'container-role');
    assert.match(first, /^ASIA/);
    assert.match(second, /^ASIA/);
    assert.notEqual(second, first, 'the second read refreshed to a new session');
    // botocore fetches once on load and once per refresh; each fetch minted a session and wrote one entry.
    const fetches = (await auditEntries(sandbox)).filter((e) => e.profile === 'short').length - before;
    assert.ok(fetches >= 2);
    assert.equal(sts.requests.filter((q) => q.accessKeyId === DEV_KEYS.accessKeyId).length - mintsBefore, fetches);
  });

  it('the AWS CLI v2 gets them', async () => {
    const r = await exec([AWS_CLI, 'configure', 'export-credentials', '--format', 'process']);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout) as { AccessKeyId: string; SessionToken?: string };
    assert.match(c.AccessKeyId, /^ASIA/);
    assert.ok(c.SessionToken);
  });

  it('the JS SDK v3 gets them through fromContainerMetadata and the default chain', async () => {
    const r = await exec([join(NODE_BIN, 'node'), '--input-type=module', '-e', JS_SDK]);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout) as { container: string; chain: string; token: boolean; expiration: boolean };
    assert.match(c.container, /^ASIA/);
    assert.equal(c.chain, c.container);
    assert.ok(c.token && c.expiration);
  });

  it('refuses a wrong token, no token, a rebinding Host, browser headers and POST; gone once the command exits', async () => {
    const out = join(sandbox.root, 'probe.json');
    const before = (await auditEntries(sandbox)).length;
    const r = await exec([PYTHON, '-c', PROBES], { PROBE_OUT: out });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      good: [200, null],
      wrong: [401, 'FORBIDDEN'],
      none: [401, 'FORBIDDEN'],
      rebinding: [403, 'FORBIDDEN'],
      origin: [403, 'FORBIDDEN'],
      fetch: [403, 'FORBIDDEN'],
      post: [405, 'FORBIDDEN'],
    });
    assert.equal((await auditEntries(sandbox)).length, before + 1, 'only the good request reached the agent');
    assert.equal(
      r.stderr.match(/the credential endpoint refused a request: /g)?.length,
      6,
      'each refusal is said on stderr',
    );
    const { url, token } = JSON.parse(await readFile(out, 'utf8')) as { url: string; token: string };
    texts.push(token);
    const afterExit = await new Promise<string>((resolve) => {
      const req = request(url, { headers: { Authorization: token } }, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end();
    });
    assert.equal(afterExit, 'ECONNREFUSED');
  });

  it('each of 1,000 requests in a loop is decided and audited; neither token nor keys reach the log', async () => {
    const before = (await auditEntries(sandbox)).filter((e) => e.event === 'access').length;
    const r = await exec([PYTHON, '-c', LOOP]);
    assert.equal(r.status, 0, r.stderr);
    const keys = JSON.parse(r.stdout) as string[];
    assert.equal(keys.length, 1, 'one cached session served 1,000 times');
    const accesses = (await auditEntries(sandbox)).filter((e) => e.event === 'access');
    assert.equal(accesses.length - before, 1000);
    assert.equal(new Set(accesses.slice(before).map((e) => e.requestId)).size, 1000, 'one entry per request');
    assert.ok(
      accesses
        .slice(before)
        .every((e) => e.decision === 'allowed' && /exec --server prod -- /.test(e.caller?.command ?? '')),
    );
    const files = (await readdir(join(sandbox.home, 'audit'))).filter((f) => f.endsWith('.jsonl'));
    const log =
      (await Promise.all(files.map((f) => readFile(join(sandbox.home, 'audit', f), 'utf8')))).join('') + agent.stderr();
    const probe = JSON.parse(await readFile(join(sandbox.root, 'probe.json'), 'utf8')) as { token: string };
    assert.deepEqual(findSecrets(log + texts.join(''), [PROD_KEYS.secretAccessKey, PROD_KEYS.accessKeyId]), []);
    assert.deepEqual(findSecrets(log, [probe.token]), [], 'the token is nowhere in the log');
  });

  it('serve prints the two variables and serves until SIGTERM', async (t) => {
    const child = spawnGroup(
      TRAY_CRED,
      ['serve', 'prod', '--format', 'json'],
      { env: sandbox.env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      { owner: t },
    );
    const guard = setTimeout(() => killGroup(child.pid), 60_000);
    let text = '';
    const vars = await new Promise<Record<string, string>>((resolve) => {
      child.stdout!.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.endsWith('\n')) resolve(JSON.parse(text) as Record<string, string>);
      });
    });
    const got = await run(AWS_CLI, ['configure', 'export-credentials', '--format', 'process'], {
      env: { ...sandbox.env, ...vars },
    });
    assert.equal(got.status, 0, got.stderr);
    assert.match((JSON.parse(got.stdout) as { AccessKeyId: string }).AccessKeyId, /^ASIA/);
    const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await ended, 0);
    clearTimeout(guard);
  });
});
