import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { Decision, Served } from '../../common/decision.ts';
import type { CallerClaim } from '../../common/caller.ts';
import { EnvironmentError } from './errors.ts';
import type { Clock, FileSystem } from './ports.ts';

/** What happened. `access` is a credentials request; the rest are administrative. */
export type AuditEvent =
  | 'access'
  | 'init'
  | 'import'
  | 'add'
  | 'remove'
  | 'policy'
  | 'unlock'
  | 'lock'
  | 'agent-start'
  | 'agent-stop'
  | 'rekey'
  | 'forget'
  | 'tamper'
  | 'repair';


/** What a caller asks to record. Never a secret: only names, decisions and the caller's claims. */
export interface AuditInput {
  event: AuditEvent;
  profile?: string;
  decision?: Decision;
  reason?: string;
  caller?: CallerClaim;
  durationMs?: number;
  requestId?: string;
  /** For served accesses: straight from the vault, a cached session, or minted now. */
  served?: Served;
  /** The access key id the client got (a temporary one names the session in CloudTrail). Not a secret. */
  credentialId?: string;
  /** The role session name of an assumed role, as CloudTrail shows it. */
  sessionName?: string;
}

export type { Decision };

/** A recorded entry: the input plus its place in the chain. */
export interface AuditEntry extends AuditInput {
  seq: number;
  time: string;
  prev: string;
  mac: string;
}

const GENESIS = '0'.repeat(64);
const MAC_SUFFIX = /,"mac":"([0-9a-f]{64})"\}$/;
/** `,"mac":"` + 64 hex digits + `"}` */
const MAC_LINE_END = 74;
const FILE = /^audit-(\d{12})\.jsonl$/;
const TAIL_BYTES = 64 * 1024;
const HEAD = 'head.json';

/** Where and why the chain breaks. */
export interface VerifyProblem {
  file: string;
  line: number;
  seq: number | undefined;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  files: number;
  problem: VerifyProblem | undefined;
}

export interface AuditFilter {
  profile?: string | undefined;
  limit?: number | undefined;
}

interface Tail {
  file: string;
  size: number;
  seq: number;
  mac: string;
}

interface Pending {
  input: AuditInput;
  resolve: (entry: AuditEntry) => void;
  reject: (error: unknown) => void;
}

// A KeyObject, made once: createHmac with a Buffer key re-imports it on every call, which is
// most of the cost of an entry (4 to 5 times the HMAC itself, measured on Node 24).
function mac(key: KeyObject, prev: string, body: string): string {
  return createHmac('sha256', key).update(prev).update('\n').update(body).digest('hex');
}

function headMac(key: KeyObject, seq: number, entryMac: string): string {
  return createHmac('sha256', key).update(`head|${seq}|${entryMac}`).digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

function sameHex(a: string, b: string): boolean {
  return HEX64.test(a) && HEX64.test(b) && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/**
 * The MAC of `line` when it is exactly the next entry of an intact chain (its sequence number
 * and link as expected, its MAC right, and not a `tamper` entry), else `undefined`. It reads
 * the fields by position instead of parsing the JSON: a line with a right MAC was written by
 * JSON.stringify of an entry whose first key is `seq` and last `prev`, with no key twice. It
 * only ever accepts; every other line goes through verify's full checks, which name the problem.
 */
function intactMac(key: KeyObject, line: string, prev: string, seq: number): string | undefined {
  const at = line.length - MAC_LINE_END;
  if (at <= 0 || !line.startsWith(',"mac":"', at) || !line.endsWith('"}')) return undefined;
  const m = line.slice(at + 8, -2);
  const body = `${line.slice(0, at)}}`;
  if (!body.startsWith(`{"seq":${seq},`) || !body.endsWith(`,"prev":"${prev}"}`) || line.includes('"event":"tamper"')) return undefined;
  return sameHex(mac(key, prev, body), m) ? m : undefined;
}

const fileName = (firstSeq: number): string => `audit-${String(firstSeq).padStart(12, '0')}.jsonl`;

/**
 * Append-only JSON Lines, each entry chained to the one before by an HMAC whose key only the
 * keychain holds: editing, deleting, reordering or cutting off entries is detected by
 * {@link AuditLog.verify}. Appends from many requests are written together with one fdatasync
 * (group commit), under a lock file shared with `tray-cred` commands.
 */
export class AuditLog {
  readonly dir: string;
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly key: KeyObject;
  private readonly maxFileBytes: number;
  private tail: Tail | undefined;
  private queue: Pending[] = [];
  private writing = false;
  private readonly appendListeners = new Set<(entries: readonly AuditEntry[]) => void>();

  constructor(deps: { fs: FileSystem; clock: Clock }, dir: string, key: Buffer, options: { maxFileBytes?: number } = {}) {
    this.fs = deps.fs;
    this.clock = deps.clock;
    this.dir = dir;
    this.key = createSecretKey(key);
    this.maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
  }

  /**
   * Calls `listener` with each batch of entries once it is on disk (for live views: the tray
   * menu, the history window, notifications). Returns the function that stops it.
   */
  onAppended(listener: (entries: readonly AuditEntry[]) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Records one entry; resolves once it is on disk. */
  append(input: AuditInput): Promise<AuditEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          const entries = await this.writeBatch(batch.map((p) => p.input));
          batch.forEach((p, i) => p.resolve(entries[i]!));
          for (const listener of this.appendListeners) {
            try {
              listener(entries);
            } catch {
              // A view that fails to update must not turn a recorded access into a failed one.
            }
          }
        } catch (error) {
          this.tail = undefined;
          const wrapped = new EnvironmentError(
            `the audit log in ${this.dir} cannot be written (${(error as Error).message}); nothing is served unrecorded: free disk space or fix the directory's permissions, then retry`,
          );
          for (const p of batch) p.reject(wrapped);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBatch(inputs: AuditInput[]): Promise<AuditEntry[]> {
    // Checked once, not per batch: this is on every access's path. A failed write checks again.
    if (!this.tail) await this.fs.ensurePrivateDir(this.dir);
    const release = await this.fs.lock(join(this.dir, 'audit.lock'));
    try {
      const repairs = await this.syncTail();
      const all = [...repairs, ...inputs];
      const entries: AuditEntry[] = [];
      let { file, size, seq, mac: prev } = this.tail!;
      let text = '';
      const flush = async (): Promise<void> => {
        if (text) await this.fs.appendDurable(join(this.dir, file), text);
        text = '';
      };
      for (const input of all) {
        seq += 1;
        const entry = { seq, time: new Date(this.clock.now()).toISOString(), ...input, prev };
        const body = JSON.stringify(entry);
        const m = mac(this.key, prev, body);
        const line = `${body.slice(0, -1)},"mac":"${m}"}\n`;
        const bytes = Buffer.byteLength(line);
        if (size > 0 && size + bytes > this.maxFileBytes) {
          await flush();
          file = fileName(seq);
          size = 0;
        }
        text += line;
        size += bytes;
        prev = m;
        entries.push({ ...entry, mac: m });
      }
      await flush();
      this.tail = { file, size, seq, mac: prev };
      await this.writeHead(seq, prev);
      return entries.slice(repairs.length);
    } finally {
      await release();
    }
  }

  /**
   * Brings the cached chain end up to date with the files (another process may have appended),
   * repairs a torn last line left by a crash, and compares the files with the remembered chain
   * head: entries cut off the end, or a head that was edited or deleted, are recorded as
   * `tamper` entries before anything else, so the next write cannot quietly re-chain over them.
   */
  private async syncTail(): Promise<AuditInput[]> {
    const cached = this.tail;
    const repairs = await this.readTail();
    if (this.tail === cached) return repairs;
    const tail = this.tail!;
    const head = await readHead(this.fs, this.dir, this.key);
    if (!head.ok && head.reason === 'missing' && tail.seq === 0) {
      // A new log: its head exists before its first entry, so a missing head always means deletion.
      await this.writeHead(0, GENESIS);
      return repairs;
    }
    if (!head.ok) {
      return [...repairs, { event: 'tamper', reason: `the chain head (head.json) was ${head.reason === 'missing' ? 'deleted' : 'edited'}; the log ends at entry ${tail.seq}` }];
    }
    if (head.seq > tail.seq) {
      return [...repairs, { event: 'tamper', reason: `the log ended at entry ${tail.seq} but entry ${head.seq} had been written: ${head.seq - tail.seq} entries were cut off` }];
    }
    return repairs;
  }

  /**
   * The head is written after the entries it names are on disk, so on disk it is never ahead of
   * the log. It only has to be as durable as the log: a power cut that brings back an older head
   * (its rename not yet on disk) leaves a head behind the log, which the next write moves on and
   * verify accepts; only a head ahead of the log means a cut. So the directory is not synced for
   * it (one fsync less per batch), while its contents still are (a torn head would read as edited).
   */
  private async writeHead(seq: number, entryMac: string): Promise<void> {
    await this.fs.writeFileAtomic(join(this.dir, HEAD), `${JSON.stringify({ seq, mac: entryMac, headMac: headMac(this.key, seq, entryMac) })}\n`, { replaceOnly: true });
  }

  private async readTail(): Promise<AuditInput[]> {
    const files = (await this.fs.list(this.dir)).filter((n) => FILE.test(n));
    const last = files.at(-1);
    if (!last) {
      this.tail = { file: fileName(1), size: 0, seq: 0, mac: GENESIS };
      return [];
    }
    const path = join(this.dir, last);
    const size = (await this.fs.size(path)) ?? 0;
    if (this.tail && this.tail.file === last && this.tail.size === size) return [];
    let start = Math.max(0, size - TAIL_BYTES);
    let chunk = await this.fs.readRange(path, start, size - start);
    if (chunk.lastIndexOf(0x0a, chunk.length - 2) < 0 && start > 0) {
      start = 0;
      chunk = await this.fs.readRange(path, 0, size);
    }
    const repairs: AuditInput[] = [];
    let end = chunk.length;
    if (end > 0 && chunk[end - 1] !== 0x0a) {
      const cut = chunk.lastIndexOf(0x0a) + 1;
      await this.fs.truncate(path, start + cut);
      repairs.push({ event: 'repair', reason: `dropped a torn last line of ${end - cut} bytes in ${last}: a write was cut off by a crash` });
      end = cut;
    }
    const lines = chunk.subarray(0, end).toString('utf8').split('\n').filter(Boolean);
    const lastLine = lines.at(-1);
    if (lastLine === undefined) {
      // The newest file is empty (or only held the torn line): the chain ends in the file before it.
      const before = files.at(-2);
      if (!before) {
        this.tail = { file: last, size: start + end, seq: 0, mac: GENESIS };
        return repairs;
      }
      const prior = await AuditLog.readAll(this.fs, this.dir, [before]);
      const p = prior.at(-1);
      this.tail = { file: last, size: start + end, seq: p?.seq ?? 0, mac: p?.mac ?? GENESIS };
      return repairs;
    }
    const m = MAC_SUFFIX.exec(lastLine);
    let seq: unknown;
    try {
      seq = (JSON.parse(lastLine) as { seq?: unknown }).seq;
    } catch {
      seq = undefined;
    }
    if (!m || typeof seq !== 'number') {
      throw new Error(`the last entry of ${last} is not an audit entry; run \`tray-cred audit verify\` to see where the log was damaged`);
    }
    this.tail = { file: last, size: start + end, seq, mac: m[1]! };
    return repairs;
  }

  /** Every entry in the given files (all files when omitted), oldest first, unverified. */
  static async readAll(fs: FileSystem, dir: string, only?: string[]): Promise<AuditEntry[]> {
    const files = only ?? (await fs.list(dir)).filter((n) => FILE.test(n));
    const out: AuditEntry[] = [];
    for (const name of files) {
      const text = (await fs.readFile(join(dir, name)))?.toString('utf8') ?? '';
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          out.push(JSON.parse(line) as AuditEntry);
        } catch {
          // a torn or damaged line; verify reports it
        }
      }
    }
    return out;
  }

  /** The newest entries matching the filter, oldest first. */
  static async query(fs: FileSystem, dir: string, filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const all = await AuditLog.readAll(fs, dir);
    const matching = filter.profile === undefined ? all : all.filter((e) => e.profile === filter.profile);
    return filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit));
  }

  /** Checks every entry's MAC, sequence and link, and the remembered chain head; names the first bad entry. */
  static async verify(fs: FileSystem, dir: string, rawKey: Buffer, options: { requireEntries?: boolean } = {}): Promise<VerifyReport> {
    const key = createSecretKey(rawKey);
    const files = (await fs.list(dir)).filter((n) => FILE.test(n));
    let prev = GENESIS;
    let expected = 1;
    let entries = 0;
    const fail = (file: string, line: number, seq: number | undefined, reason: string): VerifyReport => ({
      ok: false,
      entries,
      files: files.length,
      problem: { file, line, seq, reason },
    });
    const head = await readHead(fs, dir, key);
    let headSeen = false;
    for (const name of files) {
      const text = (await fs.readFile(join(dir, name)))?.toString('utf8') ?? '';
      const lines = text.split('\n');
      const torn = lines.pop();
      for (let i = 0; i < lines.length; i += 1) {
        const line = lines[i]!;
        const intact = head.ok && head.seq === expected ? undefined : intactMac(key, line, prev, expected);
        if (intact !== undefined) {
          prev = intact;
          expected += 1;
          entries += 1;
          continue;
        }
        const m = MAC_SUFFIX.exec(line);
        let entry: { seq?: unknown; prev?: unknown } | undefined;
        try {
          entry = JSON.parse(line) as { seq?: unknown; prev?: unknown };
        } catch {
          entry = undefined;
        }
        const seq = typeof entry?.seq === 'number' ? entry.seq : undefined;
        if (!m || !entry) return fail(name, i + 1, seq, 'not an audit entry: the line was edited or damaged');
        const body = `${line.slice(0, m.index)}}`;
        if (!sameHex(mac(key, String(entry.prev), body), m[1]!)) {
          return fail(name, i + 1, seq, 'its MAC does not match: the entry was edited, or was not written by this vault');
        }
        if (seq !== expected || entry.prev !== prev) {
          const what = seq !== undefined && seq > expected ? `entries ${expected}..${seq - 1} are missing` : 'it is out of order';
          return fail(name, i + 1, seq, `the chain is broken before it (${what}): entries were deleted, reordered or replaced`);
        }
        if (head.ok && head.seq === seq && !sameHex(head.mac, m[1]!)) {
          return fail(name, i + 1, seq, 'it is not the entry the chain head recorded: the log was rewritten');
        }
        if (head.ok && head.seq === seq) headSeen = true;
        const recorded = entry as { event?: unknown; reason?: unknown };
        if (recorded.event === 'tamper') return fail(name, i + 1, seq, `tampering was detected and recorded here: ${String(recorded.reason)}`);
        prev = m[1]!;
        expected += 1;
        entries += 1;
      }
      if (torn) return fail(name, lines.length + 1, undefined, 'the last line is torn (a write was cut off); the agent repairs and records this on its next write');
    }
    if (entries === 0 && options.requireEntries) {
      return fail(files.at(0) ?? '(no file)', 0, undefined, 'the audit log is empty, but `tray-cred init` always writes its first entry: the log was deleted');
    }
    if (!head.ok) {
      if (entries === 0 && head.reason === 'missing') return { ok: true, entries, files: files.length, problem: undefined };
      return fail(HEAD, 1, undefined, head.reason === 'missing' ? 'the chain head is missing, so cutting off entries cannot be ruled out' : 'the chain head was edited');
    }
    if (!headSeen && head.seq > 0) {
      return fail(files.at(-1) ?? '(no file)', 0, head.seq, `the log ends at entry ${expected - 1} but entry ${head.seq} was written: entries were cut off`);
    }
    return { ok: true, entries, files: files.length, problem: undefined };
  }
}

type Head = { ok: true; seq: number; mac: string } | { ok: false; reason: 'missing' | 'edited' };

async function readHead(fs: FileSystem, dir: string, key: KeyObject): Promise<Head> {
  const raw = await fs.readFile(join(dir, HEAD));
  if (!raw) return { ok: false, reason: 'missing' };
  try {
    const h = JSON.parse(raw.toString('utf8')) as { seq?: unknown; mac?: unknown; headMac?: unknown };
    if (typeof h.seq === 'number' && typeof h.mac === 'string' && typeof h.headMac === 'string') {
      if (sameHex(headMac(key, h.seq, h.mac), h.headMac)) return { ok: true, seq: h.seq, mac: h.mac };
    }
  } catch {
    // fall through
  }
  return { ok: false, reason: 'edited' };
}
