import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import { KeychainError } from '../../core/errors.ts';
import type { Keychain } from '../../core/ports/ports.ts';

/** The keychain service name every tray-cred entry is filed under. */
export const KEYCHAIN_SERVICE = 'tray-cred';

const BACKEND: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'macOS Keychain',
  win32: 'Windows Credential Manager',
  linux: 'Secret Service',
};

const FIX: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'unlock your login keychain in Keychain Access, then retry',
  win32: 'make sure Credential Manager is running for your account, then retry',
  linux:
    'start and unlock a Secret Service keyring (gnome-keyring or KWallet; on a server: `gnome-keyring-daemon --unlock --components=secrets` inside your D-Bus session), then retry',
};

/**
 * The OS keychain through `@napi-rs/keyring` (N-API, prebuilt for every platform, so the same
 * binary loads in Node and in Electron). On Linux entries are pinned to the Secret Service:
 * the library would otherwise fall back to the kernel keyring, which forgets everything at
 * reboot and would take the master key with it.
 */
export class KeyringKeychain implements Keychain {
  private readonly options: EntryOptions;
  private readonly timeoutMs: number;
  private readonly platform: NodeJS.Platform;

  constructor(platform: NodeJS.Platform, timeoutMs = 30_000) {
    this.platform = platform;
    this.options = platform === 'linux' ? { linux: { store: 'secret-service' } } : {};
    this.timeoutMs = timeoutMs;
  }

  /**
   * One entry per account, made once: on Linux the binding's constructor blocks the event loop
   * for 6 to 15 ms (it reaches the Secret Service on the main thread; measured under the agent's
   * load, where the audit anchor and the last-used times made one every few hundred requests),
   * while an operation on an entry made before blocks it for about 0.05 ms.
   */
  private readonly entries = new Map<string, AsyncEntry>();

  private entry(account: string): AsyncEntry {
    let entry = this.entries.get(account);
    if (!entry) {
      entry = new AsyncEntry(KEYCHAIN_SERVICE, account, this.options);
      this.entries.set(account, entry);
    }
    return entry;
  }

  private async call<T>(
    account: string,
    what: string,
    fn: (entry: AsyncEntry, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const reused = this.entries.has(account);
    try {
      try {
        return await fn(this.entry(account), signal);
      } catch (error) {
        // An entry kept from before may be bound to a keyring that has since gone away and come
        // back: it is dropped, and the call is made once more with a new one.
        this.entries.delete(account);
        if (!reused || signal.aborted) throw error;
        return await fn(this.entry(account), signal);
      }
    } catch (error) {
      this.entries.delete(account);
      const backend = BACKEND[this.platform] ?? 'OS keychain';
      const cause = signal.aborted
        ? `no answer within ${this.timeoutMs / 1000} s`
        : oneLine((error as Error)?.message ?? String(error));
      throw new KeychainError(
        `could not ${what} "${account}" in the ${backend} (${cause}): ${FIX[this.platform] ?? 'unlock your keychain, then retry'}`,
      );
    }
  }

  get(account: string): Promise<string | null> {
    return this.call(account, 'read', (e, signal) => e.getPassword(signal));
  }

  getBytes(account: string): Promise<Buffer | null> {
    return this.call(account, 'read', async (e, signal) => {
      // The binding hands the bytes over as an array of numbers (no string); it is zeroed once copied.
      const bytes = await e.getSecret(signal);
      if (bytes === null) return null;
      const out = Buffer.from(bytes);
      bytes.fill(0);
      return out;
    });
  }

  set(account: string, secret: string): Promise<void> {
    return this.call(account, 'store', (e, signal) => e.setPassword(secret, signal));
  }

  delete(account: string): Promise<boolean> {
    return this.call(account, 'delete', (e, signal) => e.deletePassword(signal));
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
