import { KeychainError } from '../../main/core/errors.ts';
import type { Keychain } from '../../main/core/ports/ports.ts';

/** An in-memory keychain (like 99designs/keyring's ArrayKeyring), for unit tests only. */
export class MemoryKeychain implements Keychain {
  readonly entries = new Map<string, string>();
  /** When set, every call fails the way an unreachable keychain does. */
  unavailable = false;

  private check(): void {
    if (this.unavailable) throw new KeychainError('could not reach the keychain (test: unavailable)');
  }

  async get(account: string): Promise<string | null> {
    this.check();
    return this.entries.get(account) ?? null;
  }

  async getBytes(account: string): Promise<Buffer | null> {
    this.check();
    const stored = this.entries.get(account);
    return stored === undefined ? null : Buffer.from(stored, 'utf8');
  }

  async set(account: string, secret: string): Promise<void> {
    this.check();
    this.entries.set(account, secret);
  }

  async delete(account: string): Promise<boolean> {
    this.check();
    return this.entries.delete(account);
  }
}
