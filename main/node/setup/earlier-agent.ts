/**
 * An agent that an earlier setup started from another installation (a clone, or a package
 * installed elsewhere): setup replaces it, so that nothing keeps running code from a place that
 * may be moved or deleted. The tray app and an agent of this installation are kept.
 */
import { realpathSync } from 'node:fs';
import { procArgv } from '../service/agent-control.ts';

/** The CLI script of process `pid` when it is a headless `tray-cred agent` (not the tray app); undefined otherwise. */
export function headlessAgentScript(pid: number): string | undefined {
  const argv = procArgv(pid) ?? [];
  const script = argv[1];
  return script && /(^|\/)tray-cred(\.mjs)?$/.test(script) && argv[2] === 'agent' ? script : undefined;
}

/**
 * The CLI script the agent process `pid` runs, when it is a headless `tray-cred agent` of
 * another installation than `ours`; undefined otherwise, and where /proc cannot tell (not Linux).
 */
export function earlierAgentScript(pid: number, ours: string): string | undefined {
  const script = headlessAgentScript(pid);
  if (!script) return undefined;
  let real = script;
  try {
    real = realpathSync(script);
  } catch {
    // Gone (the clone was moved or deleted): certainly not this installation.
  }
  return real === ours ? undefined : real;
}

/** Sends SIGTERM and waits (up to 5 s) until the process is gone; the agent records its stop first. */
export async function stopProcess(pid: number): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(); i += 1) await new Promise((r) => setTimeout(r, 50));
}
