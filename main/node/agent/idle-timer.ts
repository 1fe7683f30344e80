/**
 * Calls `onIdle` once no request has been in progress for `ms`: a request waiting for an
 * approval keeps the agent alive however long the person takes.
 */
export class IdleTimer {
  private busy = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly ms: number;
  private readonly onIdle: () => void;

  constructor(ms: number, onIdle: () => void) {
    this.ms = ms;
    this.onIdle = onIdle;
    this.arm();
  }

  begin(): void {
    this.busy += 1;
    clearTimeout(this.timer);
  }

  end(): void {
    this.busy -= 1;
    if (this.busy === 0) this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onIdle, this.ms);
  }
}
