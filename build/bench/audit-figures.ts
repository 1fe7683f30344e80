/**
 * Figure 4: `tray-cred audit verify` and the history query on 100,000 real chained entries,
 * written by the real AuditLog with the vault's audit key from the real keychain.
 */
import { join } from 'node:path';
import type { AuditInput } from '../../main/core/audit/audit-codec.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { queryAuditLog } from '../../main/core/audit/audit-reader.ts';
import { verifyAuditLog } from '../../main/core/audit/audit-verify.ts';
import { HistoryIndex } from '../../main/core/history/history-index.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { KeyringKeychain } from '../../main/node/platform/keyring-keychain.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { CryptoRandom, SystemClock } from '../../main/node/platform/system-clock.ts';
import { hyperfine } from './hyperfine.ts';
import { medianOf, ms, type Figure } from './report.ts';
import { TRAY_CRED, runOk, type World } from './world.ts';

const ENTRIES = 100_000;
const BATCH = 5_000;

function access(n: number): AuditInput {
  return {
    event: 'access',
    profile: `profile-${n % 20}`,
    decision: 'allowed',
    served: 'vault',
    credentialId: 'AKIAIOSFODNN7EXAMPLE',
    durationMs: 1,
    requestId: `bench-${n}`,
    caller: {
      pid: 4242,
      ppid: 4241,
      command: `/usr/bin/python3 /usr/bin/aws s3 ls s3://bucket-${n % 7} --profile profile-${n % 20}`,
      cwd: '/home/ann/src/project',
    },
  };
}

export async function auditFigures(world: World): Promise<Figure[]> {
  const fs = new NodeFileSystem(process.getuid?.());
  const clock = new SystemClock();
  const vault = new Vault(
    { fs, keychain: new KeyringKeychain(process.platform), random: new CryptoRandom(), clock },
    world.home,
  );
  const key = await vault.loadAuditKey();
  const dir = join(world.home, 'audit');
  const log = new AuditLog({ fs, clock }, dir, key);
  // `tray-cred init` wrote the first entry; many appends at once are group-committed.
  let written = 1;
  const t0 = performance.now();
  while (written < ENTRIES) {
    const n = Math.min(BATCH, ENTRIES - written);
    await Promise.all(Array.from({ length: n }, (_, i) => log.append(access(written + i))));
    written += n;
  }
  const buildSeconds = (performance.now() - t0) / 1000;

  const verifyOut = await runOk(TRAY_CRED, ['audit', 'verify'], world.env);
  if (!verifyOut.stdout.includes(`${ENTRIES} entries`))
    throw new Error(`tray-cred audit verify did not check ${ENTRIES} entries: ${verifyOut.stdout}`);
  const [cli] = await hyperfine([`${TRAY_CRED} audit verify`], world.env, { warmup: 1, runs: 5 });
  const inProcess = await medianOf(3, async () => {
    const report = await verifyAuditLog(fs, dir, key);
    if (!report.ok || report.entries !== ENTRIES)
      throw new Error(`the benchmark's audit log did not verify: ${JSON.stringify(report.problem)}`);
  });
  let index = new HistoryIndex({ fs }, dir);
  const load = await medianOf(3, async () => {
    index = new HistoryIndex({ fs }, dir);
    await index.refresh();
    if (index.size !== ENTRIES) throw new Error(`the history index holds ${index.size} rows, not ${ENTRIES}`);
  });
  // Each filter is new to the index, so each query scans all rows rather than reading a cached scan.
  let round = 0;
  const byProfile = await medianOf(5, async () => index.query({ profile: `profile-${(round += 1)}` }, 0, 50));
  const byText = await medianOf(5, async () =>
    index.query({ text: `bucket-${(round += 1) % 7}`, events: 'all' }, 0, 50),
  );
  const newest = await medianOf(5, () => queryAuditLog(fs, dir, { limit: 50 }));
  const [cliQuery] = await hyperfine([`${TRAY_CRED} audit --limit 50`], world.env, { warmup: 1, runs: 5 });
  key.fill(0);
  return [
    {
      name: '`tray-cred audit verify`, 100,000 entries',
      value: ms(cli!.mean),
      target: 'under 1 s',
      met: cli!.mean < 1000,
      note: `the built CLI as a process (hyperfine -N --warmup 1 --runs 5, mean), keychain read included; verifyAuditLog alone: ${ms(inProcess)} (median of 3). The ${ENTRIES} entries (${(await fs.list(dir)).filter((f) => f.endsWith('.jsonl')).length} files) were appended in batches of ${BATCH} concurrent appends in ${buildSeconds.toFixed(1)} s`,
    },
    {
      name: 'history window, 100,000 entries: load / filter by profile / text search (first page of 50)',
      value: `${ms(load)} / ${ms(byProfile)} / ${ms(byText)}`,
      note: 'HistoryIndex from main/core/history/history-index.ts in process: a new index read from the files (median of 3), then a new filter over all rows (median of 5)',
    },
    {
      name: '`tray-cred audit --limit 50`, 100,000 entries',
      value: ms(cliQuery!.mean),
      note: `the built CLI as a process (hyperfine -N --warmup 1 --runs 5, mean); it reads through queryAuditLog (in process: ${ms(newest)}, median of 5)`,
    },
  ];
}
