import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The first of `names` that exists beside `base` (the caller's `import.meta.url`: beside the
 * source module, beside the bundle in dist/, or one level up from a chunk), for a worker thread's
 * script; `undefined` when none does and the work stays on this thread.
 */
export function workerScript(base: string, names: readonly string[]): string | undefined {
  for (const name of names) {
    const path = fileURLToPath(new URL(name, base));
    if (existsSync(path)) return path;
  }
  return undefined;
}
