import type { Clock, Random } from '../../core/ports/ports.ts';
import { randomBytes } from 'node:crypto';

/** Wall-clock time; timers never keep the process alive on their own. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  }
}

/** The operating system's CSPRNG. */
export class CryptoRandom implements Random {
  bytes(n: number): Buffer {
    return randomBytes(n);
  }
}
