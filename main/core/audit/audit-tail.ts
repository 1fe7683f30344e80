import { join } from 'node:path';
import { GENESIS, fileName, isAuditFile, parseLine, type AuditInput } from './audit-codec.ts';
import { readAuditLog } from './audit-reader.ts';
import { lastLine } from './audit-lines.ts';
import type { FileSystem } from '../ports/ports.ts';
import { TamperedError } from '../errors.ts';

const TAIL_BYTES = 64 * 1024;

/** Where the chain ends on disk. The size of the newest file tells whether another process has appended since. */
export interface Tail {
  file: string;
  size: number;
  seq: number;
  mac: string;
}

/**
 * Reads where the chain ends, and cuts off a torn last line left by a crash: `repairs` says
 * what was dropped, for the writer to record. Returns `cached` itself when the newest file has
 * not changed, so the writer knows there is nothing new to compare with the chain head.
 */
export async function readTail(
  fs: FileSystem,
  dir: string,
  cached: Tail | undefined,
): Promise<{ tail: Tail; repairs: AuditInput[] }> {
  const files = (await fs.list(dir)).filter(isAuditFile);
  const last = files.at(-1);
  if (!last) {
    return { tail: { file: fileName(1), size: 0, seq: 0, mac: GENESIS }, repairs: [] };
  }
  const path = join(dir, last);
  const size = (await fs.size(path)) ?? 0;
  if (cached && cached.file === last && cached.size === size) return { tail: cached, repairs: [] };
  const end = await lastLine(fs, path, size, TAIL_BYTES);
  if (!end.whole) {
    // The writer's lines are far shorter (MAX_LINE_CHARS): this one was not written by tray-cred, and is not read whole.
    throw new TamperedError(
      `the last line of ${last} is longer than ${TAIL_BYTES / 1024} KiB, which tray-cred never writes, so the chain cannot go on from it and nothing is served unrecorded: run \`tray-cred audit verify\` to see where the log was damaged`,
    );
  }
  const repairs: AuditInput[] = [];
  if (end.torn > 0) {
    await fs.truncate(path, end.end);
    repairs.push({
      event: 'repair',
      reason: `dropped a torn last line of ${end.torn} bytes in ${last}: a write was cut off by a crash`,
    });
  }
  const position = end.line === undefined ? await endBefore(fs, dir, files.at(-2)) : endOf(end.line, last);
  return { tail: { file: last, size: end.end, ...position }, repairs };
}

/** The newest file is empty (or only held the torn line): the chain ends in the file before it. */
async function endBefore(
  fs: FileSystem,
  dir: string,
  before: string | undefined,
): Promise<{ seq: number; mac: string }> {
  if (!before) return { seq: 0, mac: GENESIS };
  const p = (await readAuditLog(fs, dir, [before])).at(-1);
  return { seq: p?.seq ?? 0, mac: p?.mac ?? GENESIS };
}

/**
 * Where the chain stands after `line`. Only its number and MAC are needed to go on: a field
 * edited into nonsense is for verify to name (the MAC no longer matches), not a reason to stop
 * recording accesses.
 */
function endOf(line: string, file: string): { seq: number; mac: string } {
  const parsed = parseLine(line);
  const seq = parsed.ok ? parsed.entry.seq : parsed.seq;
  if (!parsed.link || seq === undefined) {
    throw new TamperedError(
      `the last entry of ${file} is not an audit entry, so the chain cannot go on from it and nothing is served unrecorded: run \`tray-cred audit verify\` to see where the log was damaged`,
    );
  }
  return { seq, mac: parsed.link.mac };
}
