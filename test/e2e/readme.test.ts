/**
 * README is a contract: its quick start and the by-hand migration it links to (docs/migration.md)
 * are run here line by line, as a newcomer types them, on a fresh home directory with the real
 * keychain, openssl and AWS CLI v2.
 *
 * Three things differ from a newcomer's machine, each because this machine cannot do otherwise:
 * `git clone` clones this checkout instead of `<repository URL>`; the clone borrows this
 * checkout's node_modules (a real `npm ci` would fetch about a gigabyte on every test run), so its
 * lockfile is dated before them; and `aws s3 ls` cannot reach AWS, so it must fail on the network
 * after getting its credentials, which the audit log shows.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { followRecipe, makeHomeSandbox, type HomeSandbox } from './migration-support.ts';
import { AWS_CLI, DIST_BIN, NODE_BIN, ROOT, auditEntries, credentialsFile, run, type RunResult } from './support.ts';
import { spawnGroup } from '../node/processes.ts';

/**
 * Like run(), but done when the shell exits, not when every copy of its stdout closes: the block
 * leaves `tray-cred agent &` running, which holds them open. That agent is in the shell's
 * process group, killed when the test ends.
 */
function runUntilExit(
  t: TestContext,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(
      command,
      args,
      { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] },
      { owner: t, outliveLeader: true },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (status, signal) => {
      // What the shell itself wrote is in; the agent's own output goes on into the void.
      setTimeout(() => {
        child.stdout!.destroy();
        child.stderr!.destroy();
        resolve({ status, signal, stdout, stderr });
      }, 200);
    });
  });
}

/** The lines of the ```sh block after `<!-- marker -->` in a page of the docs (README.md unless named). */
async function readmeBlock(marker: string, page = 'README.md'): Promise<string[]> {
  const text = await readFile(join(ROOT, page), 'utf8');
  const at = text.indexOf(`<!-- ${marker} -->`);
  assert.ok(at >= 0, `${page} has no <!-- ${marker} --> block`);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(block, `no sh block after <!-- ${marker} -->`);
  return block[1]!.split('\n').filter((l) => l.trim() !== '');
}

/** One shell runs the lines in order (so `cd` carries over), printing each line's exit status after it. */
function script(lines: readonly string[]): string {
  return lines.map((line, i) => `${line}\necho "::exit ${i} $?::"`).join('\n') + '\n';
}

/** `script` with `args`, each answer typed once its question shows on the terminal. */
function typed(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  answers: [RegExp, string][],
): Promise<{ status: number | null; stdout: string }> {
  const child = spawnGroup('script', args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  const left = [...answers];
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    const next = left[0];
    if (next && next[0].test(stdout.replace(/\r/g, ''))) {
      left.shift();
      child.stdin!.write(next[1]);
    }
  });
  child.stderr!.resume();
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout })));
}

function exits(output: string): number[] {
  return [...output.matchAll(/::exit (\d+) (\d+)::/g)].map((m) => Number(m[2]));
}

/** A newcomer's environment: their HOME, a session's runtime dir, the system PATH; nothing of tray-cred's. */
function newcomerEnv(s: HomeSandbox, runtime: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...s.env,
    XDG_RUNTIME_DIR: runtime,
    PATH: '/usr/bin:/bin',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  delete env.TRAY_CRED_HOME;
  delete env.TRAY_CRED_SOCKET;
  return env;
}

async function stopAgent(env: NodeJS.ProcessEnv, trayCred: string): Promise<void> {
  const status = await run(trayCred, ['status', '--json'], {
    env: { ...env, PATH: `${NODE_BIN}:/usr/bin:/bin` },
  }).catch(() => undefined);
  if (status?.status !== 0) return;
  const pid = (JSON.parse(status.stdout) as { agentPid: number }).agentPid;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100; i += 1) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fresh home; when the test ends, the agent the lines left running is stopped, then everything removed. */
async function sandbox(
  t: TestContext,
  trayCred: (s: HomeSandbox) => string,
): Promise<{ s: HomeSandbox; runtime: string; env: NodeJS.ProcessEnv }> {
  const s = await makeHomeSandbox();
  const runtime = join(s.root, 'run');
  await mkdir(runtime, { mode: 0o700 });
  const env = newcomerEnv(s, runtime);
  t.after(async () => {
    await stopAgent(env, trayCred(s));
    await s.cleanup();
  });
  return { s, runtime, env };
}

test('README is a first ten minutes: at most 250 lines, its quick start within the first 40', async () => {
  const lines = (await readFile(join(ROOT, 'README.md'), 'utf8')).trimEnd().split('\n');
  assert.ok(lines.length <= 250, `README.md has ${lines.length} lines`);
  const at = lines.indexOf('<!-- quick-start: headless -->');
  assert.ok(at >= 0, 'README.md has no <!-- quick-start: headless --> block');
  const end = lines.indexOf('```', at + 2) + 1;
  assert.ok(end > at + 2 && end <= 40, `the quick start's block ends on line ${end}, not within the first 40`);
});

test('the quick start, line by line, from a clone to an audited aws call; a new terminal works the same', {
  timeout: 300_000,
}, async (t) => {
  const { s, env } = await sandbox(t, (home) => join(home.userHome, '.local', 'bin', 'tray-cred'));
  await mkdir(s.awsDir, { recursive: true });
  await writeFile(s.awsCredentials, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
  const lines = await readmeBlock('quick-start: headless');
  assert.ok(lines.length <= 5, `the quick start has ${lines.length} commands; it promises at most five`);
  assert.match(lines[0]!, /^git clone <repository URL> tray-cred && cd tray-cred$/);
  const prepared = [
    lines[0]!.replace('<repository URL>', ROOT),
    // Not a newcomer's step (see the top of this file): borrow node_modules, lockfile dated before it.
    `ln -s ${ROOT}/node_modules node_modules && touch -d '2000-01-01' package-lock.json`,
    ...lines.slice(1),
  ];
  await writeFile(join(s.root, 'quick-start.sh'), script(prepared));
  // Under a pseudo-terminal, as typed: setup asks before it imports, and "y" answers; then who
  // approves prod, and Enter takes the default (`tray-cred approve`). Each answer is typed when its question shows.
  const r = await typed(['-qec', `bash ${join(s.root, 'quick-start.sh')}`, '/dev/null'], env, s.root, [
    [/\[y\/N\] /, 'y\n'],
    [/How will you approve "prod"\?.*: /, '\n'],
  ]);
  const output = r.stdout.replace(/\r/g, '');
  const [cloned, borrowed, setup, awsCall, audit] = exits(output);
  assert.deepEqual([cloned, borrowed, setup], [0, 0, 0], output);
  assert.match(output, /Done: `aws` now gets its credentials from tray-cred/);
  assert.notEqual(awsCall, 0, 'aws s3 ls cannot reach AWS from here');
  assert.match(
    output,
    /Could not connect to the endpoint URL|Failed to connect|Name or service not known|Temporary failure in name resolution/,
    'it fails on the network',
  );
  assert.doesNotMatch(output, /Unable to locate credentials|Error when retrieving credentials/, 'not on credentials');
  assert.equal(audit, 0, output);
  assert.match(
    output,
    /access\s+dev\s+allowed\s+vault\s+\d+ ms\s+verified: \S*python3 \/usr\/bin\/aws s3 ls --profile dev/,
  );
  assert.equal(await readFile(s.awsCredentials, 'utf8').catch(() => 'gone'), 'gone', 'the plaintext file was retired');

  // A new terminal: nothing exported, the same PATH as before.
  const again = await run(AWS_CLI, ['configure', 'export-credentials', '--profile', 'dev'], { env, cwd: s.userHome });
  assert.equal(again.status, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { AccessKeyId: string }).AccessKeyId, DEV_KEYS.accessKeyId);
});

test('the by-hand migration from the openssl recipe, line by line, ending with doctor content', {
  timeout: 300_000,
}, async (t) => {
  const { s, env: newcomer } = await sandbox(t, () => join(DIST_BIN, 'tray-cred'));
  const recipe = await followRecipe(s);
  const lines = await readmeBlock('migration: recipe', join('docs', 'migration.md'));
  // tray-cred on PATH, as setup or README's export line puts it.
  const env = { ...newcomer, PATH: `${DIST_BIN}:${NODE_BIN}:/usr/bin:/bin` };
  await writeFile(join(s.root, 'migration.sh'), script(lines));
  const r = await runUntilExit(t, 'bash', [join(s.root, 'migration.sh')], env, s.userHome);
  const output = r.stdout + r.stderr;
  // Every line succeeds but doctor, which exits 1 for the one thing left: who approves prod.
  assert.deepEqual(
    exits(r.stdout),
    lines.map((_, i) => (i === lines.length - 1 ? 1 : 0)),
    output,
  );
  assert.match(
    r.stdout,
    /Needs action:\n {2}todo {2}agent \d+: "prod" asks for approval, and nothing can approve: [^\n]*\n::exit/,
    'doctor finds only that left to do',
  );
  assert.equal(
    await readFile(recipe.enc).then(
      () => 'kept',
      () => 'gone',
    ),
    'gone',
  );
  const accesses = (await auditEntries({ home: join(s.userHome, '.config', 'tray-cred') })).filter(
    (e) => e.event === 'access',
  );
  assert.ok(
    accesses.some((e) => e.profile === 'dev' && e.decision === 'allowed'),
    'the check went through the agent and is recorded',
  );
});
