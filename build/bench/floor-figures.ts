/**
 * Issue 16's floors, measured in the same run as what they bound:
 * - the helper against a minimal Node client (build/bench/floor-client.cjs) that connects,
 *   sends one line and prints the answer, against an agent that answers at once
 *   (build/bench/instant-agent.ts), with `node -e 0` beside them;
 * - a burst of 100 helper processes started at once against the real agent, against a burst of
 *   100 minimal clients against the instant agent;
 * - the raw clients of figure 3 against the instant agent: what this machine and the client can
 *   do at all, beside the agent's throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { load } from './agent-load.ts';
import { hyperfine, type Timing } from './hyperfine.ts';
import { buildHelperSea } from '../helper-sea.ts';
import { ms, quantile, type Figure } from './report.ts';
import { HELPER, NODE, ROOT, type World } from './world.ts';

const FLOOR_CLIENT = join(ROOT, 'build', 'bench', 'floor-client.cjs');
const INSTANT_AGENT = join(ROOT, 'build', 'bench', 'instant-agent.ts');

/** A running instant agent on its own socket in the world's private socket directory. */
export interface InstantAgent {
  socket: string;
  stop(): Promise<void>;
}

export async function startInstantAgent(world: World): Promise<InstantAgent> {
  const socket = join(world.root, 's', 'instant.sock');
  const child: ChildProcess = spawn(NODE, [INSTANT_AGENT, socket], {
    env: world.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((ready, reject) => {
    child.stdout!.once('data', () => ready());
    void exited.then(() => reject(new Error('the instant agent exited before listening')));
  });
  return {
    socket,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const median = (values: readonly number[]): number => quantile(values, 0.5);
const rounds = <T>(results: readonly T[], fn: (r: T) => string): string => results.map(fn).join('; ');

/**
 * Figure 1: the helper (through its `#!` line, against the real agent, allow profile: its answer
 * is audited) over the floor client (through its own `#!` line, against the instant agent), and
 * the helper against the instant agent (its own work alone), `node -e 0` beside. hyperfine takes
 * one environment per run, so the helper's agent is chosen per run by TRAY_CRED_SOCKET and the
 * floor client is given its socket as an argument.
 */
export async function helperVsFloor(
  world: World,
  instant: InstantAgent,
  profile: string,
  count = 3,
): Promise<Figure[]> {
  const floor = `${FLOOR_CLIENT} ${instant.socket} ${profile}`;
  const helper = `${HELPER} ${profile}`;
  const bare = `${NODE} -e 0`;
  const direct = `${NODE} ${join(ROOT, 'dist', 'tray-cred-helper.cjs')} ${profile}`;
  const real: { helper: Timing; floor: Timing; node: Timing }[] = [];
  const own: { helper: Timing; floor: Timing; direct: Timing }[] = [];
  for (let round = 0; round < count; round += 1) {
    const flip = round % 2 === 1;
    const a = await hyperfine(flip ? [helper, floor, bare] : [bare, floor, helper], world.env, { warmup: 5, runs: 40 });
    const byA = new Map(a.map((t) => [t.command, t]));
    real.push({ helper: byA.get(helper)!, floor: byA.get(floor)!, node: byA.get(bare)! });
    const b = await hyperfine(
      flip ? [direct, helper, floor] : [floor, helper, direct],
      { ...world.env, TRAY_CRED_SOCKET: instant.socket },
      { warmup: 5, runs: 40 },
    );
    const byB = new Map(b.map((t) => [t.command, t]));
    own.push({ helper: byB.get(helper)!, floor: byB.get(floor)!, direct: byB.get(direct)! });
  }
  const ratio = (x: Timing, y: Timing): number => x.mean / y.mean;
  const realRatios = real.map((r) => ratio(r.helper, r.floor));
  const mid = real[realRatios.indexOf(median(realRatios))]!;
  const ownRatios = own.map((r) => ratio(r.helper, r.floor));
  const ownMid = own[ownRatios.indexOf(median(ownRatios))]!;
  const value = ratio(mid.helper, mid.floor);
  return [
    {
      name: 'helper / floor (minimal Node client against an instant agent), `node -e 0` beside',
      value: `${value.toFixed(2)} (${ms(mid.helper.mean)} / ${ms(mid.floor.mean)}; \`node -e 0\` ${ms(mid.node.mean)})`,
      target: 'at most 1.05',
      met: value <= 1.05,
      note: `hyperfine -N --warmup 5 --runs 40, ratio of means, median of ${count} rounds in alternating order (${rounds(real, (r) => `${ms(r.helper.mean)} / ${ms(r.floor.mean)} = ${ratio(r.helper, r.floor).toFixed(2)}`)}); ratio of medians in that round ${(mid.helper.median / mid.floor.median).toFixed(2)}, of minimums ${(mid.helper.min / mid.floor.min).toFixed(2)}. The helper runs through its \`#!/usr/bin/env node\` line against the real agent (allow profile, audited); the floor is build/bench/floor-client.cjs through the same \`#!\` line against build/bench/instant-agent.ts`,
    },
    {
      name: "the helper's own work: helper / floor, both against the instant agent",
      value: `${ratio(ownMid.helper, ownMid.floor).toFixed(2)} (${ms(ownMid.helper.mean)} / ${ms(ownMid.floor.mean)}); \`node dist/tray-cred-helper.cjs\` without the \`#!\` line: ${ms(ownMid.direct.mean)}`,
      note: `same method, TRAY_CRED_SOCKET at the instant agent (rounds: ${rounds(own, (r) => ratio(r.helper, r.floor).toFixed(2))}): what is left is the helper's argument check, socket directory check, /proc claim, request and answer validation, not the agent`,
    },
  ];
}

/** One process of a burst, stdin closed (a fast child must not meet a write to its stdin): its spawn-to-exit time. */
function timedRun(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0 || !out.includes('AKIA')) reject(new Error(`${command} failed in a burst (${status}): ${err}`));
      else done(performance.now() - t0);
    });
  });
}

/** Starts `n` processes at once (as fast as spawn returns) and resolves with each one's spawn-to-exit time; any failure rejects. */
function burstOnce(n: number, command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, () => timedRun(command, args, env)));
}

/**
 * Figure 3b: 100 helpers started at once against the real agent (allow profile, each answer
 * audited), against 100 floor clients started at once against the instant agent; p99 of each
 * process's spawn-to-exit time, per round, median of the rounds, the two bursts alternating.
 */
export async function burstFigures(
  world: World,
  instant: InstantAgent,
  profile: string,
  count = 5,
  n = 100,
): Promise<Figure[]> {
  const results: { helper: number; floor: number }[] = [];
  await burstOnce(10, HELPER, [profile], world.env);
  for (let round = 0; round < count; round += 1) {
    const order = round % 2 === 0 ? ['floor', 'helper'] : ['helper', 'floor'];
    const r = { helper: 0, floor: 0 };
    for (const which of order) {
      const times =
        which === 'helper'
          ? await burstOnce(n, HELPER, [profile], world.env)
          : await burstOnce(n, FLOOR_CLIENT, [instant.socket, profile], world.env);
      r[which as 'helper' | 'floor'] = quantile(times, 0.99);
    }
    results.push(r);
  }
  const ratios = results.map((r) => r.helper / r.floor);
  const mid = results[ratios.indexOf(median(ratios))]!;
  const value = mid.helper / mid.floor;
  return [
    {
      name: `burst of ${n} helpers / burst of ${n} floor clients: p99`,
      value: `${value.toFixed(2)} (${ms(mid.helper)} / ${ms(mid.floor)})`,
      target: 'at most 1.05',
      met: value <= 1.05,
      note: `${n} processes spawned at once from the benchmark (through their \`#!\` lines), spawn to exit each, p99 per burst, median of ${count} rounds alternating which burst goes first (rounds: ${rounds(results, (r) => `${ms(r.helper)} / ${ms(r.floor)}`)}); helpers against the real agent (allow profile, audited), floor clients against the instant agent`,
    },
  ];
}

/** Figure 3's 100 raw clients against the instant agent: the ceiling of this client on this machine. */
export async function rawCeiling(
  instant: InstantAgent,
  profile: string,
  total = 5000,
): Promise<{ rps: number; p99: number }> {
  await load(instant.socket, profile, 10, 200);
  const r = await load(instant.socket, profile, 100, total);
  return { rps: r.requests / r.seconds, p99: quantile(r.latencies, 0.99) };
}

/**
 * The packaged app's helper: the single executable (build/helper-sea.ts, with its code cache)
 * built from the same bundle into the world, against the floor client through its `#!` line,
 * both against the real agent and the instant agent respectively, as figure 1.
 */
export async function seaVsFloor(world: World, instant: InstantAgent, profile: string, count = 3): Promise<Figure[]> {
  let sea: string;
  try {
    sea = await buildHelperSea(join(world.root, 'sea', 'tray-cred-helper'));
  } catch (error) {
    return [
      {
        name: 'single-executable helper / floor',
        value: 'not measured',
        note: `the SEA could not be built here: ${(error as Error).message.split('\n')[0]}`,
      },
    ];
  }
  const floor = `${FLOOR_CLIENT} ${instant.socket} ${profile}`;
  const helper = `${sea} ${profile}`;
  const results: { helper: Timing; floor: Timing }[] = [];
  for (let round = 0; round < count; round += 1) {
    const t = await hyperfine(round % 2 === 1 ? [helper, floor] : [floor, helper], world.env, { warmup: 5, runs: 40 });
    const by = new Map(t.map((x) => [x.command, x]));
    results.push({ helper: by.get(helper)!, floor: by.get(floor)! });
  }
  const ratios = results.map((r) => r.helper.mean / r.floor.mean);
  const mid = results[ratios.indexOf(median(ratios))]!;
  const value = mid.helper.mean / mid.floor.mean;
  return [
    {
      name: "single-executable helper (the packaged app's) / floor",
      value: `${value.toFixed(2)} (${ms(mid.helper.mean)} / ${ms(mid.floor.mean)})`,
      target: 'at most 1.05',
      met: value <= 1.05,
      note: `build/helper-sea.ts (code cache, no \`#!\` line) against the real agent, the floor client through its \`#!\` line against the instant agent; hyperfine -N --warmup 5 --runs 40, ratio of means, median of ${count} rounds (${rounds(results, (r) => (r.helper.mean / r.floor.mean).toFixed(2))})`,
    },
  ];
}
