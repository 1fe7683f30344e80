import { AwsServiceError } from '../errors.ts';
import type { Clock } from '../ports/ports.ts';

/** How long a new IAM key is given to be accepted everywhere (IAM is eventually consistent: seconds, sometimes more). */
export interface SettleOptions {
  /** The first wait; each next one doubles, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** The whole wait is bounded by this. */
  totalMs: number;
}

const DEFAULT_SETTLE: SettleOptions = { firstDelayMs: 500, maxDelayMs: 5_000, totalMs: 60_000 };

/** What AWS answers while a new key has not reached every endpoint yet. */
const NOT_YET = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'UnrecognizedClientException',
]);

const sleep = (clock: Clock, ms: number): Promise<void> => new Promise((resolve) => clock.setTimer(ms, resolve));

/**
 * Runs `call` until AWS accepts the key it uses: true once it succeeds, false when it is still
 * refused as unknown after the bound. Any other failure is thrown at once.
 */
export async function settled(
  call: () => Promise<unknown>,
  clock: Clock,
  options: SettleOptions = DEFAULT_SETTLE,
): Promise<boolean> {
  let waited = 0;
  for (let delay = options.firstDelayMs; ; delay = Math.min(delay * 2, options.maxDelayMs)) {
    try {
      await call();
      return true;
    } catch (error) {
      if (!(error instanceof AwsServiceError && NOT_YET.has(error.awsCode))) throw error;
    }
    if (waited + delay > options.totalMs) return false;
    await sleep(clock, delay);
    waited += delay;
  }
}
