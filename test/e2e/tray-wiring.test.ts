/**
 * The real AWS CLI v2 through the real helper against the core wired the way the tray app wires
 * it: `startAgentRuntime` on the services `nodeServices` builds, in this process, with
 * `unlockOnRequest` on (the tray's default), and the tray's native prompt replaced at the
 * Approver port by the test's StubApprover. What the tray
 * adds on top (menu, dialogs, windows) is tested in test/electron with a stand-in `electron`.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgentRuntime, type AgentRuntime } from '../../main/node/agent/agent-runtime.ts';
import { agentPlace } from '../../main/node/platform/data-place.ts';
import { awsClients } from '../../main/node/aws/aws-clients.ts';
import { nodeServices } from '../../main/node/platform/node-services.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { StubApprover } from '../fakes/stub-approver.ts';
import {
  AWS_CLI,
  credentialsFile,
  findSecrets,
  makeSandbox,
  run,
  writeAwsConfig,
  type RunResult,
  type Sandbox,
} from './support.ts';

describe('the tray app wiring, through the AWS CLI v2', () => {
  let sandbox: Sandbox;
  let agent: AgentRuntime;
  const approver = new StubApprover();
  const warnings: string[] = [];
  const outputs: string[] = [];

  const aws = async (profile: string): Promise<RunResult> => {
    const r = await run(AWS_CLI, ['configure', 'export-credentials', '--profile', profile], { env: sandbox.env });
    outputs.push(r.stderr);
    return r;
  };
  const keyOf = (r: RunResult): string => (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId;

  before(async () => {
    sandbox = await makeSandbox();
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    const file = join(sandbox.root, 'import-me');
    await writeFile(file, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
    const imported = await sandbox.trayCred(['import', file]);
    assert.equal(imported.status, 0, imported.stderr);
    await writeAwsConfig(sandbox, ['dev', 'prod']);
    const place = agentPlace(sandbox.env);
    agent = await startAgentRuntime({
      services: nodeServices(place),
      aws: awsClients(),
      socket: place.socket,
      approver,
      warn: (m) => warnings.push(m),
      frontEnd: 'tray app',
      broker: { unlockOnRequest: () => true },
    });
  });
  after(async () => {
    await agent?.stop('test over');
    await sandbox?.cleanup();
  });

  it('starts locked; the first request shows one "unlock and allow" prompt with the caller, then serves', async () => {
    assert.ok(agent.broker.locked);
    const pending = aws('dev');
    await approver.untilOpen();
    const asked = approver.requests.at(-1)!;
    assert.equal(asked.profile, 'dev');
    assert.equal(asked.unlock, true);
    assert.match(asked.caller?.command ?? '', /configure export-credentials --profile dev/);
    approver.answer({ allow: true });
    const r = await pending;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(keyOf(r), DEV_KEYS.accessKeyId);
    assert.equal(agent.broker.locked, false);
  });

  it('serves an allow profile without a prompt once unlocked', async () => {
    const before = approver.requests.length;
    const r = await aws('dev');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(approver.requests.length, before);
  });

  it('asks for prod, serves it when allowed and refuses it when denied', async () => {
    let pending = aws('prod');
    await approver.untilOpen();
    assert.deepEqual([approver.requests.at(-1)!.profile, approver.requests.at(-1)!.unlock], ['prod', false]);
    approver.answer({ allow: true });
    const allowed = await pending;
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.equal(keyOf(allowed), PROD_KEYS.accessKeyId);

    pending = aws('prod');
    await approver.untilOpen();
    approver.answer({ allow: false });
    const denied = await pending;
    assert.notEqual(denied.status, 0);
    assert.match(denied.stderr, /denied/i);
    assert.equal(denied.stdout, '');
  });

  it('records every access in a chain that verifies, and no secret reached any output', async () => {
    const entries = (await sandbox.trayCred(['audit', '--json', '--limit', '100'])).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; profile?: string; decision?: string; reason?: string });
    const accesses = entries.filter((e) => e.event === 'access').map((e) => [e.profile, e.decision]);
    // The first was approved at the unlock prompt: a person said yes, so it is not "allowed unasked".
    assert.deepEqual(accesses, [
      ['dev', 'approved'],
      ['dev', 'allowed'],
      ['prod', 'approved'],
      ['prod', 'denied'],
    ]);
    assert.ok(entries.some((e) => e.event === 'agent-start'));
    assert.equal((await sandbox.trayCred(['audit', 'verify'])).status, 0);
    const secrets = [DEV_KEYS.secretAccessKey, PROD_KEYS.secretAccessKey];
    assert.deepEqual(findSecrets([...outputs, ...warnings, JSON.stringify(entries)].join('\n'), secrets), []);
  });
});
