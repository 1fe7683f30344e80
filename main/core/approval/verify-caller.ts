/**
 * Names the requesting program from what the OS says, never from what a client claims: the
 * kernel gives the socket peer's pid and uid, and the agent walks up from that pid through its
 * own reading of the process table to the session leader. The requesting program is the first
 * process on the way that is not the helper, a shell running `sh -c`, or an SDK's process wrapper.
 */
import {
  MAX_ANCESTOR_ARGV,
  MAX_ANCESTORS,
  MAX_PATH,
  boundArgv,
  type AncestorFacts,
  type ProcessFacts,
  type VerifiedCaller,
} from '../../../common/caller.ts';
import type { PeerCredentials, ProcessRecord, ProcessTable } from '../ports/ports.ts';

/** Most processes walked above the peer: a deeper tree is cut, and says so. */
const MAX_WALK = 32;

/** Shells whose `-c` runs one command line for a parent: the JS SDK v3 and the Go SDK start credential_process this way. */
const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'ksh', 'mksh', 'busybox', 'fish']);
/** Node and its single-executable form, which run the helper. */
const NODE = /^(node|nodejs|node\d+)(\.exe)?$/;
const HELPER_EXE = /^tray-cred-helper(\.exe)?$/;
const HELPER_SCRIPT = /^tray-cred-helper(\.cjs|\.js|\.mjs|\.ts)?$/;

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
/** A deleted executable reads as "/usr/bin/x (deleted)" on Linux. */
const exeName = (exe: string): string => baseName(exe.replace(/ \(deleted\)$/, ''));

/** The helper: its single executable, or Node running its bundle or source. */
export function isHelper(p: { exe: string; argv: readonly string[] }): boolean {
  if (HELPER_EXE.test(exeName(p.exe))) return true;
  if (!NODE.test(exeName(p.exe))) return false;
  // The script is the first argument that is not an option of node's own.
  const script = p.argv.slice(1).find((a) => !a.startsWith('-'));
  return script !== undefined && HELPER_SCRIPT.test(baseName(script));
}

/** A shell running one command line (`sh -c '…'`, `bash -ec '…'`) for whoever started it. */
export function isShellCommand(p: { exe: string; argv: readonly string[] }): boolean {
  if (!SHELLS.has(exeName(p.exe))) return false;
  return p.argv.slice(1).some((a) => /^-[a-z]*c[a-z]*$/.test(a));
}

/** Processes that pass a request on rather than make it. */
const passesOn = (p: { exe: string; argv: readonly string[] }): boolean => isHelper(p) || isShellCommand(p);

/** `a` started later than `b`, when both are start times of this OS (whole numbers); `false` when they cannot be compared. */
function startedLater(a: string, b: string): boolean {
  return /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) > BigInt(b);
}

/** The peer and its ancestors as far as they can be read; `problem` says where and why the walk stopped early. */
async function walk(
  peer: PeerCredentials,
  table: ProcessTable,
  connectedBy: string | undefined,
): Promise<{ chain: ProcessRecord[]; problem?: string }> {
  const chain: ProcessRecord[] = [];
  let pid = peer.pid;
  // The working directory is read up to the requesting program (the first that does not pass the request on), not above it.
  let requesterRead = false;
  for (let i = 0; i < MAX_WALK; i++) {
    const p = await table.read(pid, { cwd: !requesterRead });
    const child = chain.at(-1);
    if (!p)
      return {
        chain,
        problem: child
          ? `the parent (pid ${pid}) of pid ${child.pid} could not be read`
          : `the peer (pid ${pid}) exited before the agent could read it`,
      };
    // The peer connected before `connectedBy`: a process with its pid that started later took the pid after the peer exited.
    if (!child && connectedBy !== undefined && startedLater(p.startTime, connectedBy))
      return {
        chain,
        problem: `pid ${pid} started after the connection was accepted: the peer exited and its pid was reused`,
      };
    // A parent exited and its pid was reused while the tree was read: a newer process is not the parent.
    if (child && startedLater(p.startTime, child.startTime))
      return {
        chain,
        problem: `pid ${pid} started after its child ${child.pid}, so it is not the parent that started it`,
      };
    chain.push(p);
    requesterRead ||= !passesOn(p);
    if (p.sid === p.pid || p.pid <= 1 || p.ppid <= 0) return { chain };
    pid = p.ppid;
  }
  return { chain, problem: `the process tree is deeper than ${MAX_WALK}` };
}

const facts = (p: ProcessRecord): ProcessFacts => ({
  pid: p.pid,
  startTime: p.startTime,
  exe: p.exe.slice(0, MAX_PATH),
  argv: boundArgv(p.argv),
  cwd: p.cwd.slice(0, MAX_PATH),
  ...(p.tty !== undefined ? { tty: p.tty } : {}),
});
const ancestor = (p: ProcessRecord): AncestorFacts => ({
  pid: p.pid,
  exe: p.exe.slice(0, MAX_PATH),
  argv: boundArgv(p.argv, 32, MAX_ANCESTOR_ARGV),
});

/**
 * The verified caller of a connection whose peer the kernel named. Never throws and never falls
 * back to a claim: what could not be read is left empty and `incomplete` says why. `connectedBy`
 * is the OS clock (ProcessTable.now) read once the connection was accepted, when known.
 */
export async function verifyCaller(
  peer: PeerCredentials,
  table: ProcessTable,
  connectedBy?: string,
): Promise<VerifiedCaller> {
  const { chain, problem } = await walk(peer, table, connectedBy);
  const base = { method: peer.method, peer: { pid: peer.pid, uid: peer.uid } };
  if (chain.length === 0) {
    return {
      ...base,
      requester: { pid: peer.pid, startTime: '', exe: '', argv: [], cwd: '' },
      ancestry: [],
      incomplete: problem ?? 'the peer could not be read',
    };
  }
  let at = chain.findIndex((p) => !passesOn(p));
  const notes = problem ? [problem] : [];
  if (at < 0) {
    at = chain.length - 1;
    notes.push(
      problem
        ? 'no process above the helper and its shells could be read: the last one read is named'
        : 'every process up to the session leader is the helper or a shell: the last one is named',
    );
  }
  const requester = chain[at]!;
  if (requester.exe === '') notes.push(`the executable of pid ${requester.pid} could not be read`);
  return {
    ...base,
    requester: facts(requester),
    ancestry: chain.slice(at + 1, at + 1 + MAX_ANCESTORS).map(ancestor),
    ...(notes.length > 0 ? { incomplete: notes.join('; ') } : {}),
  };
}
