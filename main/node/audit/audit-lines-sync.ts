/**
 * The audit line reader's synchronous read (core/audit/audit-lines.ts is the rest of it), for the
 * threads of parallel `audit verify`: a whole file read into a buffer the thread keeps from file
 * to file, without a round through the event loop per read. The threads then step through its
 * lines with the core's lineEnd. Nothing else in main/node/audit opens an audit file (a
 * dependency-cruiser rule).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { LIMITS } from '../../core/file-limits.ts';

/**
 * Reads the file at `path` into `buf` (or a longer one, returned), up to the audit file cap plus
 * a byte: `tooLarge` is a file the full checks refuse by its size, so the caller must not accept it.
 */
export function readAuditFileSync(path: string, buf: Buffer): { buf: Buffer; length: number; tooLarge: boolean } {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (buf.length > LIMITS.auditFile.bytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, LIMITS.auditFile.bytes + 1));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return { buf, length, tooLarge: length > LIMITS.auditFile.bytes };
  } finally {
    closeSync(fd);
  }
}
