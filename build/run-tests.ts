/**
 * The test runner of build/test.sh: node:test's run() over the test files, as `node --test`
 * would, with a time limit on each test and one on each file, so a hang fails instead of
 * holding CI. A test without a `timeout` of its own gets --test-timeout; a file still running
 * after --file-timeout is killed with everything it started and reported failed by name
 * (test-runner/file-guard.ts), and the run goes on. Output is the reporter's, ending with its
 * summary (tests, suites, pass, fail, cancelled, skipped, todo, duration_ms) as with
 * `node --test`; the exit status is 1 when anything failed.
 *
 *   node build/run-tests.ts [--concurrency=2] [--test-timeout=ms] [--file-timeout=ms]
 *     [--test-name-pattern=re]... [--test-reporter=spec|tap|dot] [--times=file.json] <file or glob>...
 *
 * --times writes each file's wall time (slowest first) as JSON.
 *
 * The files share one scratch directory, TEST_RUN_DIR, removed at the end: what a test keeps
 * there is the run's, never a machine's (test/e2e/support.ts keeps the AWS CLI's version line).
 */
import { globSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { dot, spec, tap } from 'node:test/reporters';
import { parseArgs } from 'node:util';
import { FileGuard } from './test-runner/file-guard.ts';

const REPORTERS = { spec, tap, dot } as const;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: 'string', default: '2' },
    'test-timeout': { type: 'string', default: '180000' },
    'file-timeout': { type: 'string', default: '600000' },
    'test-name-pattern': { type: 'string', multiple: true },
    'test-reporter': { type: 'string', default: 'spec' },
    times: { type: 'string' },
  },
});

function milliseconds(name: string, text: string): number {
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms <= 0)
    throw new Error(`--${name} must be a positive number of milliseconds, not "${text}"`);
  return ms;
}

/** The files named or matched, absolute, each once, in a stable order. */
function testFiles(patterns: readonly string[]): string[] {
  const files = new Set<string>();
  for (const pattern of patterns) {
    const matched = /[*?[{]/.test(pattern) ? globSync(pattern) : [pattern];
    if (matched.length === 0) throw new Error(`no test file matches ${pattern}`);
    for (const file of matched) files.add(resolve(file));
  }
  return [...files].sort();
}

const reporter = REPORTERS[values['test-reporter'] as keyof typeof REPORTERS];
if (!reporter) throw new Error(`--test-reporter must be one of ${Object.keys(REPORTERS).join(', ')}`);
const files = testFiles(positionals.length > 0 ? positionals : ['test/**/*.test.ts']);
const fileSet = new Set(files);
const testTimeout = milliseconds('test-timeout', values['test-timeout']);
const fileTimeout = milliseconds('file-timeout', values['file-timeout']);

const guard = new FileGuard(fileTimeout, {
  stuck(file, limitMs, others) {
    process.exitCode = 1;
    process.stderr.write(
      `\n✖ ${file}: still running after the per-file limit of ${limitMs / 1000} s: killed it and ${others} process(es) it started\n\n`,
    );
  },
  leftovers(file, commands) {
    process.stderr.write(
      `⚠ ${file} ended leaving ${commands.length} process(es) running, now killed: ${commands.join('; ')}\n`,
    );
  },
});

process.env.TEST_RUN_DIR = mkdtempSync('/tmp/tray-cred-run-');
// Node's compile cache for the test files' processes, shared by the run and removed with it: each file's process loads
// much of the same TypeScript (main/, test/fakes/), and the cache keeps its compiled form (about a fifth of their CPU).
process.env.NODE_COMPILE_CACHE ??= join(process.env.TEST_RUN_DIR, 'compile-cache');
const stream = run({
  files,
  concurrency: milliseconds('concurrency', values.concurrency),
  timeout: testTimeout,
  isolation: 'process',
  ...(values['test-name-pattern'] ? { testNamePatterns: values['test-name-pattern'] } : {}),
});
// A file is a top-level test named by its path: queued when it gets a place, complete when its process has exited and its output closed.
stream.on('test:dequeue', (data) => {
  if (data.nesting === 0 && fileSet.has(data.name)) guard.started(data.name);
});
stream.on('test:complete', (data) => {
  if (data.nesting === 0 && fileSet.has(data.name)) guard.ended(data.name);
});
stream.on('test:summary', (data) => {
  if (!data.success) process.exitCode = 1;
});
stream.once('end', () => {
  guard.close();
  rmSync(process.env.TEST_RUN_DIR!, { recursive: true, force: true });
  if (values.times) {
    const slowest = [...guard.times]
      .sort((a, b) => b.ms - a.ms)
      .map((t) => ({ ...t, file: relative(process.cwd(), t.file) }));
    void writeFile(values.times, JSON.stringify(slowest, null, 2) + '\n');
  }
});
stream.compose(reporter).pipe(process.stdout);
