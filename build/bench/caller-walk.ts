/**
 * What verifying a caller costs the agent per connection on Linux: the walk up /proc from the
 * peer (main/core/approval/verify-caller.ts over main/node/agent/proc-process-table.ts), here from this
 * benchmark's own process, in this process, without the socket. Beside the 100-client
 * throughput it says what share of the agent's time per request the walk takes.
 */
import { verifyCaller } from '../../main/core/approval/verify-caller.ts';
import { ProcProcessTable } from '../../main/node/agent/proc-process-table.ts';
import { ms, quantile, type Figure } from './report.ts';

export async function callerWalkFigure(agentRps?: number): Promise<Figure[]> {
  if (process.platform !== 'linux') return [];
  const table = new ProcProcessTable();
  const peer = { pid: process.pid, uid: process.getuid?.() ?? 0, method: 'SO_PEERCRED' };
  let processes = 0;
  for (let pid = process.pid; pid > 1 && processes < 32; processes += 1) {
    const p = await table.read(pid);
    if (!p || p.sid === p.pid) break;
    pid = p.ppid;
  }
  const rounds: number[] = [];
  for (let r = 0; r < 7; r += 1) {
    const t0 = performance.now();
    for (let i = 0; i < 1000; i += 1) await verifyCaller(peer, table, await table.now());
    rounds.push((performance.now() - t0) / 1000);
  }
  const walk = quantile(rounds, 0.5);
  const share =
    agentRps === undefined
      ? ''
      : `; at the 100-client rate above (${agentRps.toFixed(0)} req/s) that is ${((walk * agentRps) / 10).toFixed(0)}% of one core`;
  return [
    {
      name: 'verified caller: the /proc walk per connection',
      value: `${ms(walk)} (${processes + 1} processes up to the session leader)`,
      note: `verifyCaller over ProcProcessTable from the benchmark's own pid, 1,000 walks a round, median of 7 rounds, in the benchmark's process (each process: stat, exe, cmdline, cwd, stat again)${share}. Not cached: a cache keyed by (pid, start time) would still have to read stat and exe (exec keeps both pid and start time), and argv and cwd of a cached process go stale`,
    },
  ];
}
