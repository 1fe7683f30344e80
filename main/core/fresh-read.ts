/**
 * One asynchronous read shared by every caller that asked for it before it started, so each
 * caller still gets a read begun after its own call, never an older one. Under 100 concurrent
 * requests the agent's per-request look at the vault file (a stat through the thread pool) is
 * then one or two reads per turn of the event loop instead of one per request, and a request
 * still sees every change made to the file before it arrived.
 */
export class FreshRead<T> {
  private readonly read: () => Promise<T>;
  /** The read under way: it began before anyone who asks now. */
  private running: Promise<T> | undefined;
  /** The read that starts once the running one ends, shared by everyone who asked meanwhile. */
  private next: Promise<T> | undefined;

  constructor(read: () => Promise<T>) {
    this.read = read;
  }

  get(): Promise<T> {
    const running = this.running;
    if (!running) return this.start();
    const after = (): Promise<T> => {
      this.next = undefined;
      return this.start();
    };
    this.next ??= running.then(after, after);
    return this.next;
  }

  private start(): Promise<T> {
    const read = this.read();
    const done = (): void => {
      if (this.running === read) this.running = undefined;
    };
    this.running = read;
    read.then(done, done);
    return read;
  }
}
