/**
 * Shared pieces of the hardening suite: the run size (HARDENING=full is `npm run test:hardening`,
 * anything else the size `npm test` can afford), a sandbox with profiles imported, raw socket
 * exchanges, and what /proc says about the agent.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { credentialsFile, testSandbox, type Agent, type Sandbox } from '../e2e/support.ts';

/** True under `npm run test:hardening`: the full numbers. */
const FULL = process.env.HARDENING === 'full';

/** The figure in the full run, a CI-sized one otherwise. */
export function size(full: number, small: number): number {
  return FULL ? full : small;
}

export type Keys = { accessKeyId: string; secretAccessKey: string };

/** A sandbox with `tray-cred init` done and `profiles` imported; agents started through it stop with the test. */
export async function seededSandbox(
  t: TestContext,
  profiles: Record<string, Keys>,
): Promise<{ sandbox: Sandbox; startAgent(args?: readonly string[]): Promise<Agent> }> {
  const world = await testSandbox(t);
  const { sandbox } = world;
  const init = await sandbox.trayCred(['init']);
  assert.equal(init.status, 0, init.stderr);
  if (Object.keys(profiles).length > 0) {
    const file = join(sandbox.root, 'seed-credentials');
    await writeFile(file, credentialsFile(profiles));
    const imported = await sandbox.trayCred(['import', file]);
    assert.equal(imported.status, 0, imported.stderr);
  }
  return world;
}

/** What a raw client saw: the bytes the agent sent before the connection ended. */
export interface Exchange {
  data: string;
  /** The connection ended (by either side) before the client's own guard fired. */
  closed: boolean;
  /** A socket error seen by the client (EPIPE/ECONNRESET when the agent hung up mid-write). */
  error: string | undefined;
  ms: number;
}

/**
 * Connects, writes `chunks` in order (with `gapMs` between them) and then ends (`end`), resets
 * (`destroy`) or keeps the connection open (`open`) until the agent closes it or `guardMs` passes.
 */
export function exchange(
  path: string,
  chunks: readonly Buffer[],
  then: 'end' | 'destroy' | 'open',
  guardMs = 15_000,
  gapMs = 0,
): Promise<Exchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const received: Buffer[] = [];
    let error: string | undefined;
    let settled = false;
    const settle = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      socket.destroy();
      resolve({ data: Buffer.concat(received).toString('utf8'), closed, error, ms: Date.now() - started });
    };
    const guard = setTimeout(() => settle(false), guardMs);
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => settle(true));
    socket.on('connect', () => {
      void (async () => {
        for (const [i, chunk] of chunks.entries()) {
          if (socket.destroyed) return;
          socket.write(chunk);
          if (gapMs > 0 && i < chunks.length - 1) await new Promise((r) => setTimeout(r, gapMs));
        }
        if (then === 'end') socket.end();
        else if (then === 'destroy') socket.destroy();
      })();
    });
  });
}

/** Open file descriptors of a process (Linux /proc). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size of a process in KiB (VmRSS in /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** Every access entry's request id prefix is the helper's pid in base 36 (tray-cred-helper.ts builds ids so). */
export function helperIdPrefix(pid: number): string {
  return `${pid.toString(36)}-`;
}
