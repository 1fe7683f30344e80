import type { KeyCustody } from '../vault/key-custody.ts';
import type { Clock } from '../ports/ports.ts';
import type { Vault } from '../vault/vault.ts';

/**
 * How long a use waits before its time is written: short enough that `tray-cred list` right
 * after an `aws` call shows it, long enough that a burst of requests is one vault write.
 */
export const LAST_USED_FLUSH_MS = 1_000;

export interface UsageRecorderDeps {
  custody: KeyCustody;
  vault: Vault;
  clock: Clock;
  /** How long `last used` times may wait in memory before they are written to the vault. */
  flushMs: number;
  warn: (message: string) => void;
}

/**
 * Remembers when each profile was last served and writes the times into the vault in batches,
 * not on every request: a vault write re-encrypts the whole file. The first use starts the timer
 * and later ones ride along, so under any load there is at most one write per `flushMs`.
 */
export class UsageRecorder {
  private readonly deps: UsageRecorderDeps;
  private readonly lastUsed = new Map<string, string>();
  private cancelFlush: (() => void) | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(deps: UsageRecorderDeps) {
    this.deps = deps;
  }

  /** The newest use of `name` not yet in the vault, if any. */
  pending(name: string): string | undefined {
    return this.lastUsed.get(name);
  }

  noteUse(name: string): void {
    this.lastUsed.set(name, new Date(this.deps.clock.now()).toISOString());
    this.cancelFlush ??= this.deps.clock.setTimer(this.deps.flushMs, () => {
      this.cancelFlush = undefined;
      void this.flush();
    });
  }

  /**
   * Writes pending times into the vault. Called on a timer, on lock and on shutdown; resolves
   * only once every write started before it is done, so a lock never wipes the key (or a test its
   * directory) under a write still running.
   */
  flush(): Promise<void> {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const held = this.deps.custody.current();
    if (!held || this.lastUsed.size === 0) return;
    const pending = new Map(this.lastUsed);
    this.lastUsed.clear();
    // A copy: the held key is zeroed by a lock, which must not reach a write in progress.
    const key = Buffer.from(held);
    try {
      const { snapshot } = await this.deps.vault.update(key, (data) => {
        for (const [name, at] of pending) {
          const p = data.profiles[name];
          if (p && (!p.lastUsedAt || p.lastUsedAt < at)) p.lastUsedAt = at;
        }
      });
      this.deps.custody.adopt(held, snapshot);
    } catch (error) {
      for (const [name, at] of pending) if (!this.lastUsed.has(name)) this.lastUsed.set(name, at);
      this.deps.warn(`could not record last-used times in the vault: ${(error as Error).message}`);
    } finally {
      key.fill(0);
    }
  }
}
