import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release } from 'node:os';
import type { Machine } from './report.ts';

/** The Debian AWS CLI v2, by path: another `aws` may come first on PATH. */
export const AWS_CLI = '/usr/bin/aws';

function cpuModel(): string {
  // os.cpus() reports what /proc/cpuinfo's "model name" says; fall back to it when it is empty.
  const model = cpus()[0]?.model.trim();
  if (model) return model;
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

/** Where the benchmark ran: the header of its table. */
export function describeMachine(): Machine {
  const aws = spawnSync(AWS_CLI, ['--version'], { encoding: 'utf8' });
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: cpuModel(),
    cores: availableParallelism(),
    node: process.version,
    awsCli: aws.status === 0 ? aws.stdout.trim().split(' ')[0]! : `AWS CLI not runnable at ${AWS_CLI}`,
    kernel: release(),
  };
}
