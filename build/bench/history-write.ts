/**
 * Writes a long audit history fast for the benchmark: entries sealed with the real codec and the
 * vault's audit key, in files of the writer's size, continuing the chain `tray-cred init` began,
 * with the chain head written at the end. The same bytes the agent would write, without the
 * agent's one sync per batch (which is the agent's figure, not the history's).
 */
import { appendFile, readFile } from 'node:fs/promises';
import { createSecretKey } from 'node:crypto';
import { join } from 'node:path';
import { fileName, parseLine, sealEntry, type AuditInput } from '../../main/core/audit/audit-codec.ts';
import { writeHead } from '../../main/core/audit/audit-head.ts';
import type { FileSystem } from '../../main/core/ports/ports.ts';

const FILE_BYTES = 8 * 1024 * 1024;
const DECISIONS = [
  'allowed',
  'allowed',
  'allowed',
  'approved',
  'remembered',
  'remembered',
  'denied',
  'timeout',
  'locked',
  'error',
] as const;
const PROGRAMS = [
  '/usr/bin/aws',
  '/usr/local/bin/terraform',
  '/usr/bin/python3',
  '/opt/homebrew/bin/aws',
  '/usr/bin/node',
  '/home/ann/go/bin/app',
];

/** Entry n of the generated history: 20 profiles, mostly served, a verified requester on half of them. */
export function generatedAccess(n: number): AuditInput {
  const profile = `profile-${n % 20}`;
  const exe = PROGRAMS[(n * 7) % PROGRAMS.length]!;
  const decision = DECISIONS[(n * 3) % DECISIONS.length]!;
  const served = decision === 'allowed' || decision === 'approved' || decision === 'remembered';
  const input: AuditInput & Record<string, unknown> = {
    event: 'access',
    profile,
    decision,
    ...(served ? { served: 'vault' as const, credentialId: 'AKIAIOSFODNN7EXAMPLE' } : {}),
    durationMs: 1 + (n % 9),
    requestId: `bench-${n}`,
    caller: {
      pid: 4242,
      ppid: 4241,
      command: `/usr/bin/python3 /usr/bin/aws s3 ls s3://bucket-${n % 7} --profile ${profile}`,
      cwd: '/home/ann/src/project',
    },
  };
  if (n % 2 === 0) {
    input.verified = {
      method: 'SO_PEERCRED',
      peer: { pid: 5000 + (n % 1000), uid: 1000 },
      requester: {
        pid: 4242,
        startTime: String(100000 + n),
        exe,
        argv: [exe, 's3', 'ls'],
        cwd: '/home/ann/src/project',
      },
      ancestry: [{ pid: 4241, exe: '/usr/bin/bash', argv: ['bash'] }],
    };
  }
  return input;
}

/**
 * Appends entries until the log holds `total`, spread evenly over the `spanMs` before now.
 * Returns how many files the log has.
 */
export async function writeHistory(
  fs: FileSystem,
  dir: string,
  rawKey: Buffer,
  total: number,
  spanMs: number,
): Promise<number> {
  const key = createSecretKey(rawKey);
  const first = (await readFile(join(dir, fileName(1)), 'utf8')).split('\n')[0]!;
  const parsed = parseLine(first);
  if (!parsed.ok) throw new Error(`the log's first entry does not parse: ${parsed.reason}`);
  let prev = parsed.entry.mac;
  let file = fileName(1);
  let size = Buffer.byteLength(first) + 1;
  let files = 1;
  let text = '';
  const start = Date.now() - spanMs;
  for (let seq = 2; seq <= total; seq += 1) {
    const sealed = sealEntry(
      key,
      generatedAccess(seq),
      seq,
      new Date(start + (spanMs * seq) / total).toISOString(),
      prev,
    );
    const line = `${sealed.line}\n`;
    if (size + line.length > FILE_BYTES) {
      await appendFile(join(dir, file), text);
      text = '';
      file = fileName(seq);
      size = 0;
      files += 1;
    }
    text += line;
    size += line.length;
    prev = sealed.entry.mac;
    if (text.length > 4 * 1024 * 1024) {
      await appendFile(join(dir, file), text);
      text = '';
    }
  }
  await appendFile(join(dir, file), text);
  await writeHead(fs, dir, key, total, prev);
  return files;
}
