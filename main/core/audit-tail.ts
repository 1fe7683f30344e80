import { join } from 'node:path';
import { FILE, GENESIS, MAC_SUFFIX, fileName, type AuditInput } from './audit-codec.ts';
import { readAuditLog } from './audit-reader.ts';
import type { FileSystem } from './ports.ts';

const TAIL_BYTES = 64 * 1024;

export interface Tail {
  file: string;
  size: number;
  seq: number;
  mac: string;
}

export async function readTail(fs: FileSystem, dir: string, cached: Tail | undefined): Promise<{ tail: Tail; repairs: AuditInput[] }> {
  const files = (await fs.list(dir)).filter((n) => FILE.test(n));
  const last = files.at(-1);
  if (!last) {
    return { tail: { file: fileName(1), size: 0, seq: 0, mac: GENESIS }, repairs: [] };
  }
  const path = join(dir, last);
  const size = (await fs.size(path)) ?? 0;
  if (cached && cached.file === last && cached.size === size) return { tail: cached, repairs: [] };
  let start = Math.max(0, size - TAIL_BYTES);
  let chunk = await fs.readRange(path, start, size - start);
  if (chunk.lastIndexOf(0x0a, chunk.length - 2) < 0 && start > 0) {
    start = 0;
    chunk = await fs.readRange(path, 0, size);
  }
  const repairs: AuditInput[] = [];
  let end = chunk.length;
  if (end > 0 && chunk[end - 1] !== 0x0a) {
    const cut = chunk.lastIndexOf(0x0a) + 1;
    await fs.truncate(path, start + cut);
    repairs.push({ event: 'repair', reason: `dropped a torn last line of ${end - cut} bytes in ${last}: a write was cut off by a crash` });
    end = cut;
  }
  const lines = chunk.subarray(0, end).toString('utf8').split('\n').filter(Boolean);
  const lastLine = lines.at(-1);
  if (lastLine === undefined) {
    // The newest file is empty (or only held the torn line): the chain ends in the file before it.
    const before = files.at(-2);
    if (!before) {
      return { tail: { file: last, size: start + end, seq: 0, mac: GENESIS }, repairs };
    }
    const prior = await readAuditLog(fs, dir, [before]);
    const p = prior.at(-1);
    return { tail: { file: last, size: start + end, seq: p?.seq ?? 0, mac: p?.mac ?? GENESIS }, repairs };
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
  return { tail: { file: last, size: start + end, seq, mac: m[1]! }, repairs };
}
