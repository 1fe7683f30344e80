/**
 * A sealed snapshot of the history index (issue 16 item 3): its columns as they were after reading
 * each audit file up to an offset, so a later load reads the snapshot and parses only the bytes
 * after those offsets. It holds only what the audit files hold (no secret), in one file of its own
 * outside audit/, read by nothing else.
 *
 * Trust: HMAC-SHA256 under the audit key over all of it (format version, the audit dir, the
 * per-file records, the columns); and before use each file it covers must still be there, at
 * least as long as its offset, with the line that ends at the offset carrying the MAC recorded
 * for it (and the same bytes: their SHA-256 is recorded beside the MAC). Anything else (no key, a bad MAC, another version, a wrong length, a file changed at
 * its boundary) and the snapshot is not used: the index reads the files from the start.
 *
 * Layout: u32 LE header length, the header (JSON), zeros to a multiple of 8, each number column
 * (float64 LE), each code column (uint32 LE), the first-use column (uint8), then the 32-byte MAC.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { isAuditFile } from '../audit/audit-codec.ts';
import { MAX_LINE_BYTES, lineEndingAt } from '../audit/audit-lines.ts';
import { CODES, NUMBERS } from './history-batch.ts';
import { HistoryColumns } from './history-columns.ts';
import type { FileSystem } from '../ports/ports.ts';

export const SNAPSHOT_VERSION = 1;
const MAC_BYTES = 32;
/** Bytes per row: six float64 columns, ten uint32 columns, one uint8. */
const ROW_BYTES = NUMBERS.length * 8 + CODES.length * 4 + 1;
/** A line ends with `,"mac":"` + 64 hex digits + `"}`. */
const LINE_MAC = /"mac":"([0-9a-f]{64})"\}$/;

/** Where the snapshot lives and how to get the audit key (a copy the snapshot code zeroes after use). */
export interface SnapshotPlace {
  path: string;
  auditKey: () => Promise<Buffer>;
}

const Header = z.strictObject({
  version: z.literal(SNAPSHOT_VERSION),
  dir: z.string(),
  count: z.int().check(z.nonnegative()),
  files: z.array(
    z.strictObject({
      name: z.string().check(z.refine(isAuditFile)),
      offset: z.int().check(z.nonnegative()),
      mac: z.string(),
    }),
  ),
  values: z.array(z.string()),
  profiles: z.array(z.string()),
  lastUse: z.array(z.number()),
});
type Header = z.infer<typeof Header>;

/** What a snapshot restores: the offset read to in each file, and the columns. */
export interface Restored {
  offsets: Map<string, number>;
  columns: HistoryColumns;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * Put before the snapshot's bytes under its MAC: the audit key also MACs the log's lines and its
 * head, and no snapshot's MAC may ever pass for one of theirs (nor the reverse), whatever the
 * entries it was built from say.
 */
const DOMAIN = Buffer.from('tray-cred history-index snapshot\n');
const seal = (key: Buffer, body: Buffer): Buffer => createHmac('sha256', key).update(DOMAIN).update(body).digest();

/**
 * The MAC of the line that ends at `offset` in `path` and the SHA-256 of that whole line (so an edit
 * that keeps the MAC is seen too), '' at offset 0; `undefined` when no audit line ends there.
 */
async function lineMacAt(fs: FileSystem, path: string, offset: number): Promise<string | undefined> {
  if (offset === 0) return '';
  // As far back as a line can be, and the newline before it.
  const line = await lineEndingAt(fs, path, offset, MAX_LINE_BYTES + 1);
  const mac = line && LINE_MAC.exec(line.toString('utf8'))?.[1];
  return mac && `${mac} ${createHash('sha256').update(line).digest('hex')}`;
}

async function withKey<T>(place: SnapshotPlace, use: (key: Buffer) => T): Promise<T | undefined> {
  let key: Buffer | undefined;
  try {
    key = await place.auditKey();
    return use(key);
  } catch {
    return undefined; // a locked keychain or no key: no snapshot, the files are read as before
  } finally {
    key?.fill(0);
  }
}

/** Writes the sealed snapshot of `state` (`dir` read up to its offsets); false, writing nothing, when a boundary is not a line's end or no key comes. */
export async function writeSnapshot(
  fs: FileSystem,
  place: SnapshotPlace,
  dir: string,
  state: Restored,
): Promise<boolean> {
  const files: Header['files'] = [];
  for (const [name, offset] of state.offsets) {
    const mac = await lineMacAt(fs, join(dir, name), offset);
    if (mac === undefined) return false;
    files.push({ name, offset, mac });
  }
  const { columns } = state;
  const count = columns.count;
  const header: Header = { version: SNAPSHOT_VERSION, dir, count, files, ...columns.tables() };
  const json = Buffer.from(JSON.stringify(header));
  const start = align8(4 + json.length);
  const out = Buffer.alloc(start + count * ROW_BYTES + MAC_BYTES);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  let at = start;
  const put = (a: Float64Array | Uint32Array | Uint8Array): void => {
    const b = Buffer.from(a.buffer, a.byteOffset, count * a.BYTES_PER_ELEMENT);
    b.copy(out, at);
    at += b.length;
  };
  for (const c of NUMBERS) put(columns.numbers[c]);
  for (const c of CODES) put(columns.codes[c]);
  put(columns.firstUse);
  const sealed = await withKey(place, (key) => seal(key, out.subarray(0, at)).copy(out, at));
  if (sealed === undefined) return false;
  await fs.writeFileAtomic(place.path, out, { replaceOnly: true });
  return true;
}

/** The header and columns of a sealed snapshot, or `undefined` when its MAC, length or content is not right. */
function decode(bytes: Buffer, key: Buffer, dir: string): (Restored & { files: Header['files'] }) | undefined {
  if (bytes.length < 4 + MAC_BYTES) return undefined;
  const body = bytes.subarray(0, bytes.length - MAC_BYTES);
  const mac = seal(key, body);
  if (!timingSafeEqual(mac, bytes.subarray(body.length))) return undefined;
  const jsonLength = bytes.readUInt32LE(0);
  if (4 + jsonLength > body.length) return undefined;
  const parsed = Header.safeParse(JSON.parse(bytes.toString('utf8', 4, 4 + jsonLength)));
  if (!parsed.success || parsed.data.dir !== dir || parsed.data.values[0] !== '') return undefined;
  const h = parsed.data;
  let at = align8(4 + jsonLength);
  if (body.length !== at + h.count * ROW_BYTES) return undefined;
  const take = <T extends Float64Array | Uint32Array | Uint8Array>(make: new (n: number) => T): T => {
    const a = new make(h.count);
    new Uint8Array(a.buffer).set(body.subarray(at, at + a.byteLength));
    at += a.byteLength;
    return a;
  };
  const numbers = {} as HistoryColumns['numbers'];
  const codes = {} as HistoryColumns['codes'];
  for (const c of NUMBERS) numbers[c] = take(Float64Array);
  for (const c of CODES) {
    codes[c] = take(Uint32Array);
    if (codes[c].some((id) => id >= h.values.length)) return undefined;
  }
  const firstUse = take(Uint8Array);
  const columns = HistoryColumns.restored(h.count, { numbers, codes, firstUse }, h);
  return { offsets: new Map(h.files.map((f) => [f.name, f.offset])), columns, files: h.files };
}

/**
 * The index as the snapshot at `place` holds it, when it is sealed under the audit key and every
 * file it covers still ends the same line at its offset; otherwise `undefined` (read the files).
 * A snapshot longer than twice the files it could cover, plus room for its header, is not read.
 */
export async function readSnapshot(fs: FileSystem, place: SnapshotPlace, dir: string): Promise<Restored | undefined> {
  const size = await fs.size(place.path);
  if (size === null) return undefined;
  let total = 0;
  const names = (await fs.list(dir)).filter(isAuditFile);
  for (const name of names) total += (await fs.size(join(dir, name))) ?? 0;
  if (size > 2 * total + 1024 * 1024) return undefined;
  const bytes = await fs.readRange(place.path, 0, size);
  const restored = await withKey(place, (key) => decode(bytes, key, dir));
  if (!restored) return undefined;
  for (const f of restored.files) {
    const path = join(dir, f.name);
    if (!names.includes(f.name) || ((await fs.size(path)) ?? -1) < f.offset) return undefined;
    if ((await lineMacAt(fs, path, f.offset)) !== f.mac) return undefined;
  }
  return { offsets: restored.offsets, columns: restored.columns };
}
