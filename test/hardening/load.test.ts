/**
 * Load on one agent: a burst of concurrent requests, helper processes and raw socket clients
 * mixed, across an `allow` profile, an `ask` profile the approver command allows and one it
 * denies. Every answer must be the right one for its profile, the audit log must hold exactly
 * one entry per request with the right decision and verify, and the agent's memory must come
 * back near where it started and stop growing under more of the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sendRequest } from '../../helper/client.ts';
import { PROTOCOL_VERSION, parseCredentialsResult, type Response } from '../../helper/wire.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { isRunning } from '../node/processes.ts';
import { HELPER, auditEntries, auditVerify, run, type Sandbox } from '../e2e/support.ts';
import { rssKiB, seededSandbox, size } from './support.ts';

const REQUESTS = size(500, 100);
/** Node processes are what is slow to start on two cores; the rest of the burst are raw clients. */
const HELPERS = size(50, 10);
const OPS_KEYS = { accessKeyId: 'AKIAOPSLOADTEST00001', secretAccessKey: 'opsLoadTestSecretNeverServed/0000000000' };

const PROFILES = ['dev', 'approved', 'refused'] as const;
type Profile = (typeof PROFILES)[number];
const EXPECT: Record<Profile, { decision: string; keys?: { accessKeyId: string; secretAccessKey: string } }> = {
  dev: { decision: 'allowed', keys: DEV_KEYS },
  approved: { decision: 'approved', keys: PROD_KEYS },
  refused: { decision: 'denied' },
};

interface Outcome {
  profile: Profile;
  via: 'helper' | 'raw';
  ok: boolean;
  body: string;
}

/** One request as the helper would send it, straight on the socket. */
async function raw(sandbox: Sandbox, profile: Profile, n: number, command: string): Promise<Outcome> {
  const id = `load-${n}`;
  const response: Response = await sendRequest(
    sandbox.socket,
    {
      v: PROTOCOL_VERSION,
      id,
      op: 'credentials',
      profile,
      caller: { pid: process.pid, ppid: process.ppid, command, cwd: '/' },
    },
    60_000,
  );
  if (!response.ok) return { profile, via: 'raw', ok: false, body: response.error.code };
  const c = parseCredentialsResult(response.result);
  return { profile, via: 'raw', ok: true, body: `${c.AccessKeyId}:${c.SecretAccessKey}` };
}

async function helper(sandbox: Sandbox, profile: Profile): Promise<Outcome> {
  const r = await run(HELPER, [profile], { env: sandbox.env, killAfterMs: 150_000 });
  if (r.status !== 0) return { profile, via: 'helper', ok: false, body: `exit ${r.status}: ${r.stderr.trim()}` };
  const c = JSON.parse(r.stdout) as { AccessKeyId: string; SecretAccessKey: string };
  return { profile, via: 'helper', ok: true, body: `${c.AccessKeyId}:${c.SecretAccessKey}` };
}

/**
 * `count` requests at once, round-robin over the profiles; the first `helpers` go through helper
 * processes. Raw clients claim distinct commands (one approval prompt each) unless `sameCaller`,
 * when a burst from one command shares its prompts as the broker promises.
 */
async function burst(
  sandbox: Sandbox,
  count: number,
  helpers: number,
  base: number,
  sameCaller = false,
): Promise<Outcome[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const profile = PROFILES[i % PROFILES.length]!;
      return i < helpers
        ? helper(sandbox, profile)
        : raw(sandbox, profile, base + i, sameCaller ? `load burst ${base}` : `load client ${base + i}`);
    }),
  );
}

function checkAnswers(outcomes: Outcome[]): void {
  const wrong = outcomes.filter((o) => {
    const keys = EXPECT[o.profile].keys;
    if (keys) return !o.ok || o.body !== `${keys.accessKeyId}:${keys.secretAccessKey}`;
    return o.ok || !(o.via === 'raw' ? o.body === 'DENIED' : /^exit 5: tray-cred-helper: /.test(o.body));
  });
  assert.deepEqual(
    wrong.map((o) => ({ profile: o.profile, via: o.via, ok: o.ok, body: o.ok ? '[credentials]' : o.body })),
    [],
    'every request gets what its profile decides',
  );
}

test(`${REQUESTS} concurrent requests (${HELPERS} helpers) across allow, approved and denied profiles: right answers, exact audit, memory back near baseline`, {
  timeout: 600_000,
}, async (t) => {
  const { sandbox, startAgent } = await seededSandbox(t, { dev: DEV_KEYS, approved: PROD_KEYS, refused: OPS_KEYS });
  for (const p of ['approved', 'refused']) {
    const r = await sandbox.trayCred(['policy', p, 'ask']);
    assert.equal(r.status, 0, r.stderr);
  }
  // Exit 0 allows: the approver sees the profile in its environment and allows only `approved`.
  const agent = await startAgent(['--approver', 'test "$TRAY_CRED_PROFILE" = approved']);

  // Warm-up: V8 grows its heap to a steady size over the first few thousand requests, so the
  // baseline is taken after that. Seen in probes: +20 MiB over ~800 requests before callers were
  // verified; since the agent reads /proc for each connection and records the verified caller, the
  // heap settles later and higher (about 160 MiB after ~2,400 requests against 105 MiB, then flat).
  for (let round = 0; round < 12; round += 1) checkAnswers(await burst(sandbox, 200, 0, round * 1000, true));
  await new Promise((r) => setTimeout(r, 500));
  const baseline = rssKiB(agent.pid);
  const before = await auditEntries(sandbox);
  const lastSeq = before.at(-1)!.seq;

  const started = Date.now();
  const outcomes = await burst(sandbox, REQUESTS, HELPERS, 1000);
  const took = Date.now() - started;
  checkAnswers(outcomes);

  const added = (await auditEntries(sandbox)).filter((e) => e.seq > lastSeq);
  const count = (p: Profile): number => outcomes.filter((o) => o.profile === p).length;
  for (const p of PROFILES) {
    const entries = added.filter((e) => e.profile === p);
    assert.equal(entries.length, count(p), `one entry per ${p} request`);
    // Requests from one verified program instance (these raw clients all run in this process) wait at one prompt:
    // the first is recorded approved (or denied), the rest as served by that same answer, naming its request.
    const shared = (e: (typeof entries)[number]): boolean =>
      e.decision === (p === 'approved' ? 'remembered' : 'denied') &&
      /^shared the prompt of request \S+$/.test(e.reason ?? '');
    const bad = entries.filter((e) => e.event !== 'access' || (e.decision !== EXPECT[p].decision && !shared(e)));
    assert.deepEqual(
      bad.map((e) => `${e.decision} (${e.reason ?? ''})`),
      [],
      `${p}: every entry says ${EXPECT[p].decision}, or that it shared such a prompt`,
    );
  }
  assert.equal(added.length, REQUESTS, 'and no other entry');
  assert.equal(
    new Set(added.filter((e) => e.requestId?.startsWith('load-')).map((e) => e.requestId)).size,
    REQUESTS - HELPERS,
    'each raw request recorded once',
  );
  const verify = await auditVerify(sandbox);
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(
    verify.stdout,
    new RegExp(`^audit log verified: ${lastSeq + REQUESTS} entries in \\d+ file\\(s\\), chain intact\\n$`),
  );

  await new Promise((r) => setTimeout(r, 500));
  const afterLoad = rssKiB(agent.pid);
  // More rounds of the same: a leak grows with every round, a heap that grows in steps and then stays does not.
  // On a busy machine V8 sizes its young generation up for a few rounds (steps of +11, +18, +25 MiB were seen
  // with another test file beside this one), so the rounds go on until one adds under 4 MiB, eight at most.
  const rounds: number[] = [];
  const steps = (): number[] => rounds.map((kib, i) => kib - (i === 0 ? afterLoad : rounds[i - 1]!));
  for (let round = 0; round < 8 && !(round >= 3 && Math.min(...steps()) < 4 * 1024); round += 1) {
    checkAnswers(await burst(sandbox, 200, 0, 100_000 * (round + 1), true));
    await new Promise((r) => setTimeout(r, 500));
    rounds.push(rssKiB(agent.pid));
  }
  t.diagnostic(
    `${REQUESTS} requests in ${took} ms; agent VmRSS baseline ${baseline} KiB, after the burst ${afterLoad} KiB, after ${rounds.length} × 200 more ${rounds.join(' / ')} KiB`,
  );
  // No GC is forced from outside, and spawning helpers and approver commands costs the agent
  // buffers it keeps for reuse: 32 MiB over a warm baseline is "back near", a leak of 60 KiB per
  // request (what an unreleased socket with its buffers costs) would exceed it at 500 requests.
  assert.ok(
    afterLoad - baseline < 32 * 1024,
    `RSS after the burst ${afterLoad} KiB is within 32 MiB of the baseline ${baseline} KiB`,
  );
  // A leak grows with every round (60 KiB per request is 12 MiB per round of 200); a heap that grows
  // in steps and then stays does not: at least one of the (at most eight) rounds must add under 4 MiB.
  assert.ok(
    Math.min(...steps()) < 4 * 1024,
    `RSS does not keep growing round after round: ${afterLoad} → ${rounds.join(' → ')} KiB`,
  );
  assert.ok(isRunning(agent.pid));
  assert.equal(
    agent.stderr().trim().split('\n').length,
    1,
    `the agent logged nothing but its start line:\n${agent.stderr()}`,
  );
});
