import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner } from '../../core/ports/ports.ts';

const MAX_OUTPUT = 1024 * 1024;

/** Runs a profile's credential command with the platform shell, as credential_process does, with a time limit. */
export class ShellCommandRunner implements CommandRunner {
  run(command: string, timeoutMs: number): Promise<CommandResult> {
    return new Promise((resolve) => {
      const child = spawn(command, {
        shell: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let timedOut = false;
      const collect =
        (into: Buffer[]) =>
        (chunk: Buffer): void => {
          size += chunk.length;
          if (size <= MAX_OUTPUT) into.push(chunk);
        };
      child.stdout.on('data', collect(out));
      child.stderr.on('data', collect(err));
      const kill = (): void => {
        try {
          // The whole process group: a shell's children must not outlive the time limit.
          if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
          else child.kill('SIGKILL');
        } catch {
          // already gone
        }
      };
      let settled = false;
      const finish = (exitCode: number | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({
          exitCode,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          timedOut,
        });
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
        // Answer now: a grandchild that left the group may keep the pipes open long after.
        child.stdout.destroy();
        child.stderr.destroy();
        finish(null);
      }, timeoutMs);
      child.on('error', (error) => {
        err.push(Buffer.from(error.message));
        finish(null);
      });
      child.on('close', (code) => finish(code));
    });
  }
}
