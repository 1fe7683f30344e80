/**
 * The per-file limit of build/run-tests.ts. node:test runs each test file in a process of its
 * own and has a time limit for tests, none for a file: a file whose hook hangs, whose event
 * loop never empties, or whose grandchild holds its output pipe open keeps `node --test` waiting
 * for ever. The guard times each file from the moment the runner starts it; at the limit it
 * kills the file's process and everything it started (descendants, their process groups, and
 * any process still holding the file's output pipes, which the runner waits on), and says so.
 * It also sweeps what a file left running when it ends.
 *
 * What a file started is read from Linux's /proc once a second and remembered, so a process
 * that has since been orphaned (a test that spawned a detached child and was killed) is still
 * known by its pid and start time. Elsewhere the guard only times and reports.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One process as /proc/<pid>/stat shows it; `start` (clock ticks since boot) tells a pid reused from the first holder. */
interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  start: string;
  command: string;
}

const HAS_PROC = process.platform === 'linux';

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z') return undefined;
    return { pid, ppid: Number(f[1]), pgid: Number(f[2]), start: f[19] ?? '', command };
  } catch {
    return undefined;
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Every live process, and the children of each. */
function snapshot(): { all: Map<number, Proc>; children: Map<number, Proc[]> } {
  const all = new Map<number, Proc>();
  const children = new Map<number, Proc[]>();
  for (const pid of pids()) {
    const p = readProc(pid);
    if (!p) continue;
    all.set(pid, p);
    children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  }
  return { all, children };
}

function descendants(pid: number, children: Map<number, Proc[]>): Proc[] {
  const found: Proc[] = [];
  for (let queue = [...(children.get(pid) ?? [])]; queue.length > 0; ) {
    const p = queue.shift()!;
    found.push(p);
    queue = queue.concat(children.get(p.pid) ?? []);
  }
  return found;
}

function argv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The pipes on a process's stdout and stderr, as `pipe:[inode]`. */
function outputPipes(pid: number): string[] {
  const links: string[] = [];
  for (const fd of [1, 2]) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('pipe:')) links.push(link);
    } catch {
      // gone, or not ours to read
    }
  }
  return links;
}

/** Processes other than this one holding any of `pipes` open: those keep the runner from seeing a file end. */
function pipeHolders(pipes: readonly string[]): number[] {
  if (pipes.length === 0) return [];
  const holders: number[] = [];
  for (const pid of pids()) {
    if (pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return pipes.includes(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (holds) holders.push(pid);
  }
  return holders;
}

function kill(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** What the guard knows of one running file. */
interface Watched {
  file: string;
  startedAt: number;
  timer: NodeJS.Timeout;
  pid?: number;
  pipes: string[];
  /** Every process seen below the file's process, by pid. */
  seen: Map<number, Proc>;
}

/** How a file ended, for the report of per-file times. */
export interface FileTime {
  file: string;
  ms: number;
  killed: boolean;
}

export interface FileGuardEvents {
  /** The file passed the limit: it and `processes` others were killed. */
  stuck(file: string, limitMs: number, processes: number): void;
  /** The file ended leaving these processes running; they were killed. */
  leftovers(file: string, commands: string[]): void;
}

export class FileGuard {
  private readonly watched = new Map<string, Watched>();
  private readonly killed = new Set<string>();
  private readonly poll: NodeJS.Timeout | undefined;
  private readonly limitMs: number;
  private readonly events: FileGuardEvents;
  readonly times: FileTime[] = [];

  constructor(limitMs: number, events: FileGuardEvents) {
    this.limitMs = limitMs;
    this.events = events;
    this.poll = HAS_PROC ? setInterval(() => this.look(), 1000) : undefined;
  }

  /** The runner started `file` (its process is being spawned). */
  started(file: string): void {
    const timer = setTimeout(() => this.stop(file), this.limitMs);
    this.watched.set(file, { file, startedAt: Date.now(), timer, pipes: [], seen: new Map() });
  }

  /** The runner saw `file` end: its process exited and its output pipes closed. */
  ended(file: string): void {
    const w = this.watched.get(file);
    if (!w) return;
    clearTimeout(w.timer);
    this.watched.delete(file);
    this.times.push({ file, ms: Date.now() - w.startedAt, killed: this.killed.has(file) });
    if (!HAS_PROC) return;
    const left = this.stillAlive(w);
    for (const p of left) kill(p.pid);
    if (left.length > 0)
      this.events.leftovers(
        file,
        left.map((p) => `${p.pid} ${p.command}`),
      );
  }

  /** Stops watching (the run is over). */
  close(): void {
    if (this.poll) clearInterval(this.poll);
    for (const w of this.watched.values()) clearTimeout(w.timer);
  }

  /** Finds each running file's process, its output pipes, and what it has started so far. */
  private look(): void {
    if (this.watched.size === 0) return;
    const { all, children } = snapshot();
    for (const w of this.watched.values()) {
      w.pid ??= (children.get(process.pid) ?? []).find((p) => argv(p.pid).at(-1) === w.file)?.pid;
      if (w.pid === undefined || !all.has(w.pid)) continue;
      if (w.pipes.length === 0) w.pipes = outputPipes(w.pid);
      for (const p of descendants(w.pid, children)) w.seen.set(p.pid, p);
    }
  }

  /** The processes once seen under `w` that still run (the same pid and start time). */
  private stillAlive(w: Watched): Proc[] {
    return [...w.seen.values()].filter((p) => readProc(p.pid)?.start === p.start);
  }

  /** The limit: kill the file's process, all it started, their groups and whoever holds its pipes. */
  private stop(file: string): void {
    const w = this.watched.get(file);
    if (!w) return;
    this.killed.add(file);
    let others = 0;
    if (HAS_PROC) {
      this.look();
      const started = this.stillAlive(w);
      const targets = new Set<number>([...started.map((p) => p.pid), ...pipeHolders(w.pipes)]);
      if (w.pid !== undefined) targets.delete(w.pid);
      others = targets.size;
      // The file's own process shares this runner's group: only the groups its children lead are killed whole.
      const ownGroup = readProc(process.pid)?.pgid;
      const groups = new Set(started.map((p) => p.pgid).filter((g) => g !== ownGroup && g > 1));
      if (w.pid !== undefined) kill(w.pid);
      for (const pid of targets) kill(pid);
      for (const g of groups) kill(-g);
    }
    this.events.stuck(file, this.limitMs, others);
  }
}
