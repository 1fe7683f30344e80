/**
 * `tray-cred exec` and signals, at each moment one can come: while exec waits for the agent (an
 * approval nobody has answered yet), right as the child starts, and while the child runs. Each
 * time the child gets the signal if it runs, exec ends as the child did (or with 128 + the
 * signal's number, having started nothing), and nothing exec started is left running: exec
 * leads its own process group here, and the group must be empty once exec has exited.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { PROD_KEYS } from '../fakes/keys.ts';
import { bounded, eventually, groupMembers, spawnGroup } from '../node/processes.ts';
import { TRAY_CRED, credentialsFile, makeSandbox, startAgent, type Agent, type Sandbox } from './support.ts';

type End = { status: number | null; signal: NodeJS.Signals | null };

/** A loop that runs until a signal ends it: `trap` makes it print `got-<name>` and exit with `status`. */
const trapping = (signal: string, status: number, first = ''): string =>
  `${first}trap "echo got-${signal.slice(3).toLowerCase()}; exit ${status}" ${signal.slice(3)}; echo ready; while :; do sleep 0.05; done`;

/**
 * The agent's approver for the "asked" profile: it says it was asked by creating
 * `asked-<exec's pid>` in `dir`, and approves once `go-<exec's pid>` appears (gives up after 60 s).
 */
const approver = (dir: string): string =>
  `pid=$(printf %s "$TRAY_CRED_CALLER" | sed -n 's/.*"pid":\\([0-9]*\\).*/\\1/p'); : > ${dir}/asked-$pid; i=0; ` +
  `while [ ! -e ${dir}/go-$pid ]; do i=$((i+1)); [ $i -lt 6000 ] || exit 1; sleep 0.01; done; exit 0`;

describe('tray-cred exec and signals', () => {
  let sandbox: Sandbox;
  let agent: Agent;
  let approvals: string;
  const sts = new StsStandIn();

  before(async () => {
    await sts.start();
    sts.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey);
    sandbox = await makeSandbox();
    approvals = join(sandbox.root, 'approvals');
    await mkdir(approvals);
    const creds = join(sandbox.root, 'creds');
    await writeFile(creds, credentialsFile({ prod: PROD_KEYS, asked: PROD_KEYS }));
    for (const args of [
      ['init'],
      ['import', creds],
      ['sts', 'prod', '--session-mode', 'on'],
      ['sts', 'asked', '--session-mode', 'on'],
      ['policy', 'prod', 'allow'],
      ['policy', 'asked', 'ask'],
    ]) {
      const r = await sandbox.trayCred(args);
      assert.equal(r.status, 0, `tray-cred ${args.join(' ')}: ${r.stderr}`);
    }
    sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
    agent = await startAgent(sandbox, ['--approver', approver(approvals)]);
  });
  after(async () => {
    await agent?.stop();
    await sts.stop();
    await sandbox?.cleanup();
  });

  /**
   * `tray-cred exec <args> -- sh -c <script>` as the leader of its own process group, which
   * the test kills when it ends (not when exec exits: the test looks at what is left first).
   */
  function startExec(t: TestContext, args: readonly string[], script: string, env: NodeJS.ProcessEnv = sandbox.env) {
    const child: ChildProcess = spawnGroup(
      TRAY_CRED,
      ['exec', ...args, '--', 'sh', '-c', script],
      { env, cwd: sandbox.root, stdio: ['ignore', 'pipe', 'pipe'] },
      { owner: t, outliveLeader: true },
    );
    const pid = child.pid!;
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<End>((resolve) => child.once('exit', (status, signal) => resolve({ status, signal })));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    return {
      pid,
      out: () => out,
      err: () => err,
      signal: (signal: NodeJS.Signals) => process.kill(pid, signal),
      /** Resolves once the child has printed `text`; fails if exec ends first. */
      async printed(text: string): Promise<void> {
        let ended = false;
        void exited.then(() => (ended = true));
        await eventually(`the child to print "${text}"`, () => out.includes(text) || ended, 30_000);
        assert.ok(out.includes(text), `exec ended before its child printed "${text}": ${err}`);
      },
      /**
       * How exec ended, once it has and once nothing is left of its process group (its child
       * included); fails naming what is left.
       */
      async end(): Promise<End> {
        const end = await bounded('exec to exit', exited, 30_000);
        await eventually(`exec's process group ${pid} to be empty`, () => groupMembers(pid).length === 0, 3_000).catch(
          () => {
            assert.fail(
              `exec (${JSON.stringify(end)}) left processes running in its group: ${groupMembers(pid).join(', ')}`,
            );
          },
        );
        await bounded('exec output to close', closed, 5_000);
        return end;
      },
    };
  }

  const asked = (pid: number) =>
    eventually('the approver to be asked', () => existsSync(join(approvals, `asked-${pid}`)), 30_000);
  const approve = (pid: number) => writeFile(join(approvals, `go-${pid}`), '');

  for (const [name, signal, script, expected] of [
    [
      'SIGINT sent to exec reaches the child, and exec ends as the child did',
      'SIGINT',
      trapping('SIGINT', 42),
      { status: 42, signal: null, out: 'ready\ngot-int\n' },
    ],
    [
      'SIGTERM sent to exec reaches the child, and exec ends as the child did',
      'SIGTERM',
      'echo ready; exec sleep 60',
      { status: null, signal: 'SIGTERM', out: 'ready\n' },
    ],
    [
      'SIGHUP sent to exec reaches the child, and exec exits with the status the child chose',
      'SIGHUP',
      trapping('SIGHUP', 43),
      { status: 43, signal: null, out: 'ready\ngot-hup\n' },
    ],
    [
      'SIGQUIT sent to exec reaches the child, and exec exits with the status the child chose',
      'SIGQUIT',
      trapping('SIGQUIT', 44),
      { status: 44, signal: null, out: 'ready\ngot-quit\n' },
    ],
    [
      'a child ended by SIGINT ends exec by SIGINT',
      'SIGINT',
      'echo ready; exec sleep 60',
      { status: null, signal: 'SIGINT', out: 'ready\n' },
    ],
    [
      'a child ended by SIGHUP ends exec by SIGHUP',
      'SIGHUP',
      'echo ready; exec sleep 60',
      { status: null, signal: 'SIGHUP', out: 'ready\n' },
    ],
    [
      'a child ended by SIGQUIT ends exec with 131, without a core dump of its own',
      'SIGQUIT',
      'ulimit -c 0; echo ready; exec sleep 60',
      { status: 131, signal: null, out: 'ready\n' },
    ],
  ] as const) {
    it(name, async (t) => {
      const exec = startExec(t, ['prod'], script);
      await exec.printed('ready');
      exec.signal(signal);
      const end = await exec.end();
      assert.deepEqual({ ...end, out: exec.out() }, expected, exec.err());
    });
  }

  it('with --server, SIGINT sent to exec reaches the child too', async (t) => {
    const exec = startExec(t, ['--server', 'prod'], trapping('SIGINT', 42));
    await exec.printed('ready');
    exec.signal('SIGINT');
    assert.deepEqual(
      { ...(await exec.end()), out: exec.out() },
      { status: 42, signal: null, out: 'ready\ngot-int\n' },
      exec.err(),
    );
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) {
    const status = 128 + constants.signals[signal];
    it(`${signal} while exec waits for an approval stops it with ${status}, and the command never starts`, async (t) => {
      const marker = join(sandbox.root, `started-before-${signal}`);
      const exec = startExec(t, ['asked'], trapping('SIGINT', 42, `: > ${marker}; `));
      await asked(exec.pid);
      exec.signal(signal);
      const end = await exec.end();
      // Approving now must not start it either: there is nothing left to start it.
      await approve(exec.pid);
      assert.deepEqual(end, { status, signal: null }, exec.err());
      assert.match(exec.err(), new RegExp(`stopped by ${signal} before the command started; it did not run`));
      assert.equal(exec.out(), '');
      assert.equal(existsSync(marker), false, 'the command never ran');
    });
  }

  it('SIGINT right as the child starts: either nothing started (130) or the child got it; nothing is left running', async (t) => {
    const seen: string[] = [];
    // The approval lands, the agent answers and exec starts the child within a few tens of ms: signal across that span.
    for (const delay of [0, 2, 5, 10, 15, 20, 30, 40, 50, 60, 80, 100, 150]) {
      const marker = join(sandbox.root, `started-after-${delay}`);
      const exec = startExec(t, ['asked'], trapping('SIGINT', 42, `: > ${marker}; `));
      await asked(exec.pid);
      await approve(exec.pid);
      await new Promise((r) => setTimeout(r, delay));
      exec.signal('SIGINT');
      const end = await exec.end();
      const what = `${delay} ms after the approval: ${JSON.stringify(end)}, out ${JSON.stringify(exec.out())}, err ${JSON.stringify(exec.err())}`;
      if (end.status === 130) {
        assert.equal(existsSync(marker), false, `${what}: 130 means the command never started`);
        seen.push(`${delay}ms: not started`);
      } else if (end.status === 42) {
        assert.match(exec.out(), /got-int/, what);
        seen.push(`${delay}ms: child trapped it`);
      } else {
        assert.deepEqual(end, { status: null, signal: 'SIGINT' }, what);
        seen.push(`${delay}ms: child ended by it`);
      }
    }
    t.diagnostic(seen.join('; '));
  });

  it('Ctrl-C at a terminal reaches the child once: the terminal gives it to the child, exec does not pass it on again', async (t) => {
    // A child that counts its SIGINTs (Node counts each; sh would merge two that come close together).
    const counter = join(sandbox.root, 'count-sigints.cjs');
    await writeFile(
      counter,
      "let n = 0; process.on('SIGINT', () => { if (++n === 1) setTimeout(() => { console.log(`sigints=${n}`); process.exit(7); }, 500); }); console.log('ready'); setInterval(() => {}, 1000);\n",
    );
    for (const round of [1, 2]) {
      // exec runs under strace, which slows it: a second SIGINT could not come so close after the terminal's that the kernel merges the two.
      const log = join(sandbox.root, `ctrl-c-${round}.strace`);
      // script runs it through $SHELL -c (else /bin/sh); `exec` keeps that shell out of the terminal's foreground
      // group, where dash (which does not exec a lone command) would die of the Ctrl-C itself, ending the session with 130.
      const command = `exec strace -f -qq -e trace=kill -e signal=none -o ${log} ${TRAY_CRED} exec prod -- ${process.execPath} ${counter}`;
      // script gives the command a terminal (a pseudo-terminal) with it in the foreground; \x03 typed there is Ctrl-C.
      const terminal = spawnGroup(
        'script',
        ['-qec', command, '/dev/null'],
        { env: sandbox.env, cwd: sandbox.root, stdio: ['pipe', 'pipe', 'pipe'] },
        { owner: t },
      );
      let screen = '';
      terminal.stdout!.on('data', (c: Buffer) => (screen += c.toString()));
      const closed = new Promise<number | null>((resolve) => terminal.once('close', (code) => resolve(code)));
      await eventually('the child to be ready', () => screen.includes('ready'), 30_000);
      terminal.stdin!.write('\x03');
      assert.equal(await bounded('the terminal session to end', closed, 30_000), 7, screen);
      assert.match(
        screen,
        /sigints=1\r?\n/,
        `round ${round}: the child got Ctrl-C ${/sigints=(\d+)/.exec(screen)?.[1]} times; exec's kill calls: ${await readFile(log, 'utf8')}`,
      );
    }
  });

  it('exec ended by a crash while its child runs takes the child with it', async (t) => {
    // A stand-in for a bug in exec: a module loaded through NODE_OPTIONS throws when exec gets SIGUSR2.
    const crash = join(sandbox.root, 'crash-on-usr2.mjs');
    await writeFile(crash, "process.on('SIGUSR2', () => { throw new Error('planted crash'); });\n");
    const exec = startExec(t, ['prod'], 'echo ready; while :; do sleep 0.05; done', {
      ...sandbox.env,
      NODE_OPTIONS: `--import=${crash}`,
    });
    await exec.printed('ready');
    exec.signal('SIGUSR2');
    const end = await exec.end();
    assert.match(exec.err(), /planted crash/);
    assert.deepEqual(end, { status: 1, signal: null }, exec.err());
  });
});
