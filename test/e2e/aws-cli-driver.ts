/**
 * The real AWS CLI v2 run in one Python interpreter per test file (aws-cli-driver.py), for the
 * tests that need what the CLI does with a config file and a credential_process (parse it,
 * call the helper, sign with what it printed) many times over. Each start of /usr/bin/aws costs
 * about 0.5 s of CPU before it reads a byte of config; this pays it once.
 *
 * What it does not give is the `aws` process itself: the helper's parent is python3 running
 * the driver, not /usr/bin/aws, and signals reach the driver. Tests about the caller the agent
 * names, or about a process's end, run `run(AWS_CLI, ...)` instead.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PYTHON, ROOT, type RunResult } from './support.ts';

const DRIVER = join(import.meta.dirname, 'aws-cli-driver.py');

type Answer = { status: number; stdout: string; stderr: string };

let driver: { child: ChildProcessByStdio<Writable, Readable, null>; answers: AsyncIterator<string> } | undefined;
/** One command at a time: the driver swaps its whole environment for each. */
let queue: Promise<unknown> = Promise.resolve();

function start(): NonNullable<typeof driver> {
  const child = spawn(PYTHON, [DRIVER], { stdio: ['pipe', 'pipe', 'inherit'], env: { PATH: '/usr/bin:/bin' } });
  child.on('exit', () => {
    driver = undefined;
  });
  // Between commands nothing of the driver keeps a test file's process alive; when that process
  // has nothing left to do, the driver is told to end (end of its stdin) and waited for, so it
  // is not left behind for the runner to find.
  child.unref();
  process.once('beforeExit', () => {
    child.ref();
    child.stdin.end();
  });
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, answers };
}

function hold(d: NonNullable<typeof driver>, held: boolean): void {
  for (const stream of [d.child.stdin, d.child.stdout] as unknown as { ref(): void; unref(): void }[]) {
    if (held) stream.ref();
    else stream.unref();
  }
}

async function once(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<RunResult> {
  driver ??= start();
  const d = driver;
  hold(d, true);
  try {
    d.child.stdin.write(`${JSON.stringify({ args, env, cwd })}\n`);
    const next = await d.answers.next();
    if (next.done) throw new Error(`the AWS CLI driver ended before answering \`aws ${args.join(' ')}\``);
    const answer = JSON.parse(next.value) as Answer;
    return { status: answer.status, signal: null, stdout: answer.stdout, stderr: answer.stderr };
  } finally {
    hold(d, false);
  }
}

/**
 * `aws <args>` with `env` in `cwd` (the checkout by default), as /usr/bin/aws would run it,
 * answered in the same shape as `run`. Commands run one after another.
 */
export function awsCli(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<RunResult> {
  const result = queue.then(() => once(args, options.env, options.cwd ?? ROOT));
  queue = result.catch(() => undefined);
  return result;
}
