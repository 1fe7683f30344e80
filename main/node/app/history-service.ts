import type {
  AccessStory,
  ChainStatus,
  ExportFormat,
  ExportResult,
  HistoryFilter,
  HistoryPage,
  TimelineBuckets,
} from '../../../preload/api.ts';
import { MAX_PAGE, MAX_TIMELINE_BUCKETS } from '../../../preload/api.ts';
import type { AuditLog } from '../../core/audit/audit-log.ts';
import { verifyAuditLog } from '../../core/audit/audit-verify.ts';
import { TrayCredError, UsageError } from '../../core/errors.ts';
import { accessStory, readEntry } from '../../core/history/access-story.ts';
import { toCsv, toJson } from '../../core/history/history-export.ts';
import type { HistoryIndex } from '../../core/history/history-index.ts';
import type { FileSystem } from '../../core/ports/ports.ts';
import type { Vault } from '../../core/vault/vault.ts';
import { guarded } from './internal-app-error.ts';

/** What the History window is served from. */
export interface HistoryServiceDeps {
  history: HistoryIndex;
  audit: AuditLog;
  /** Where the audit key is read from, for verify. */
  vault: Vault;
  fs: FileSystem;
}

/**
 * The History window's calls (`preload/api.ts` `history`), Electron-free: the IPC layer validates
 * the payload's shape and calls these. Expected failures are `TrayCredError`s whose message says
 * the fix; anything else becomes an INTERNAL error.
 */
export class HistoryService {
  private readonly deps: HistoryServiceDeps;

  constructor(deps: HistoryServiceDeps) {
    this.deps = deps;
  }

  /** Rows `offset` .. `offset + limit` of the filtered history, newest first. */
  query(filter: HistoryFilter, offset: number, limit: number): Promise<HistoryPage> {
    return guarded('read the history', async () => {
      if (limit > MAX_PAGE) throw new UsageError(`a history page holds at most ${MAX_PAGE} rows`);
      await this.deps.history.refresh();
      return this.deps.history.query(filter, offset, limit);
    });
  }

  /** The filter's accesses per decision in at most `buckets` time buckets: what the timeline draws. */
  timeline(filter: HistoryFilter, buckets: number): Promise<TimelineBuckets> {
    return guarded('counted the history', async () => {
      if (buckets > MAX_TIMELINE_BUCKETS)
        throw new UsageError(`a timeline holds at most ${MAX_TIMELINE_BUCKETS} buckets`);
      await this.deps.history.refresh();
      return this.deps.history.timeline(filter, buckets);
    });
  }

  /** Entry `seq` told in full, for the detail pane. */
  entry(seq: number): Promise<AccessStory> {
    return guarded('read the entry', async () => {
      const { history, audit, fs } = this.deps;
      const entry = await readEntry(fs, audit.dir, seq);
      if (!entry) throw new UsageError(`entry ${seq} is not in the audit log any more: refresh the history`);
      await history.refresh();
      return accessStory(entry, {
        anchoredSeq: (await audit.readAnchor())?.seq ?? 0,
        firstUse: history.isFirstUse(seq) ?? false,
      });
    });
  }

  /** Verifies the whole chain with the audit key, zeroed after; `unavailable` when the key cannot be read. */
  verify(): Promise<ChainStatus> {
    return guarded('verified the history', async () => {
      const { vault, audit, fs } = this.deps;
      let key: Buffer;
      try {
        key = await vault.loadAuditKey();
      } catch (error) {
        if (error instanceof TrayCredError) return { state: 'unavailable', reason: error.message };
        throw error;
      }
      try {
        const report = await verifyAuditLog(fs, audit.dir, key, {
          requireEntries: await vault.exists(),
          anchor: await audit.readAnchor(),
        });
        const p = report.problem;
        if (report.ok || !p) return { state: 'verified', entries: report.entries };
        return {
          state: 'tampered',
          entries: report.entries,
          seq: p.seq ?? null,
          file: p.file,
          line: p.line,
          reason: p.reason,
        };
      } finally {
        key.fill(0);
      }
    });
  }

  /** Writes every row the filter matches (not just one page) to `path`, which the user chose in a save dialog. */
  export(filter: HistoryFilter, format: ExportFormat, path: string): Promise<ExportResult> {
    return guarded('exported the history', async () => {
      const { history, fs } = this.deps;
      await history.refresh();
      const { rows } = history.query(filter, 0, Infinity);
      try {
        await fs.writeFileAtomic(path, format === 'csv' ? toCsv(rows) : toJson(rows));
      } catch (error) {
        throw new UsageError(
          `the history could not be saved as ${path} (${(error as NodeJS.ErrnoException).code ?? 'write failed'}): choose a folder you can write to`,
        );
      }
      return { saved: true, rows: rows.length, path };
    });
  }
}
