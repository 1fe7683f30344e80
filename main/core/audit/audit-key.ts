/**
 * The audit chain's key as the writer holds it: a Buffer it can zero. While the agent is
 * unlocked the key is kept between batches; on lock it is zeroed, and while locked each batch
 * (a refused request, the lock entry itself) reads it from the keychain and zeroes it after.
 * A `KeyObject` would be faster to MAC with, but its copy is only cleared when the garbage
 * collector gets to it, which is not "wiped on lock".
 */
export class AuditKey {
  private readonly load: (() => Promise<Buffer>) | undefined;
  private held: Buffer | undefined;
  private keep: boolean;

  /** A Buffer is copied and kept for the writer's life (short-lived commands); a loader is asked when the key is needed. */
  constructor(key: Buffer | (() => Promise<Buffer>)) {
    if (Buffer.isBuffer(key)) {
      this.held = Buffer.from(key);
      this.keep = true;
      this.load = undefined;
    } else {
      this.load = key;
      this.keep = false;
    }
  }

  /** Keeps the key between uses from now on (the agent was unlocked). */
  hold(): void {
    if (this.load) this.keep = true;
  }

  /** Zeroes the key; later uses read it again and zero it after (the agent was locked). */
  wipe(): void {
    if (!this.load) return;
    this.keep = false;
    this.held?.fill(0);
    this.held = undefined;
  }

  /** Runs `fn` with a copy of the key (a lock meanwhile must not zero it under a batch), zeroed after. */
  async use<T>(fn: (key: Buffer) => Promise<T>): Promise<T> {
    let key: Buffer;
    if (this.held) {
      key = Buffer.from(this.held);
    } else {
      key = await this.load!();
      if (this.keep) this.held = Buffer.from(key);
    }
    try {
      return await fn(key);
    } finally {
      key.fill(0);
    }
  }
}
