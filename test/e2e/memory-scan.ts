/**
 * Reads a live process's memory through /proc/<pid>/maps and /proc/<pid>/mem (the tests run as
 * root, or as the process's own user with ptrace allowed) and counts where given byte strings
 * occur. Regions that cannot be read (guard pages, [vvar]) are skipped and counted.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

export interface Needle {
  name: string;
  bytes: Buffer;
}

export interface ScanResult {
  /** Occurrences of each needle, by name. */
  found: Record<string, number>;
  /** Bytes read, and regions skipped because the kernel refused them. */
  bytesRead: number;
  skipped: number;
}

const CHUNK = 8 * 1024 * 1024;

function count(haystack: Buffer, needle: Buffer, from: number, until: number): number {
  let n = 0;
  for (let i = haystack.indexOf(needle, from); i !== -1 && i < until; i = haystack.indexOf(needle, i + 1)) n += 1;
  return n;
}

/** Every readable mapping of `pid`, scanned for each needle (overlapping chunk edges, so nothing is missed or counted twice). */
export function scanMemory(pid: number, needles: readonly Needle[]): ScanResult {
  const found: Record<string, number> = Object.fromEntries(needles.map((n) => [n.name, 0]));
  const longest = Math.max(...needles.map((n) => n.bytes.length));
  const regions = readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .filter((line) => /^[0-9a-f]+-[0-9a-f]+ r/.test(line) && !line.includes('[vvar') && !line.includes('[vsyscall]'))
    .map(
      (line) =>
        line
          .split(' ')[0]!
          .split('-')
          .map((h) => Number.parseInt(h, 16)) as [number, number],
    );
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  let bytesRead = 0;
  let skipped = 0;
  const buf = Buffer.alloc(CHUNK + longest);
  try {
    for (const [start, end] of regions) {
      let carry = 0;
      try {
        for (let at = start; at < end; at += CHUNK) {
          const want = Math.min(CHUNK, end - at);
          const got = readSync(fd, buf, carry, want, at);
          bytesRead += got;
          const view = buf.subarray(0, carry + got);
          // A match must end in the new bytes: those that end in the carried-over tail were counted before.
          for (const n of needles)
            found[n.name]! += count(view, n.bytes, Math.max(0, carry - n.bytes.length + 1), view.length);
          carry = Math.min(longest - 1, view.length);
          view.copy(buf, 0, view.length - carry);
          if (got < want) break;
        }
      } catch {
        skipped += 1;
      }
    }
  } finally {
    closeSync(fd);
  }
  return { found, bytesRead, skipped };
}
