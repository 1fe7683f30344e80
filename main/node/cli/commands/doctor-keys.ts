import { keyAgeDays, keyOverdue, summarize } from '../../../core/profiles/profile.ts';
import type { CliContext } from '../context.ts';
import { withRotation } from './rotate.ts';

/** Where doctor's findings go. */
export interface KeyFindings {
  ok(text: string): void;
  act(text: string): void;
}

/**
 * Rotations cut off by a crash are finished (or undone) here, as `rotate` would: the approval
 * was given for the rotation they belong to. Keys older than their rotate_after_days are named.
 */
export async function checkKeys(c: CliContext, f: KeyFindings): Promise<void> {
  const profiles = await c.withKey(async (key) => (await c.vault.read(key)).data.profiles);
  const now = c.clock.now();
  for (const [name, p] of Object.entries(profiles).sort(([a], [b]) => a.localeCompare(b))) {
    if (p.rotation) {
      try {
        for (const line of await withRotation(c, name, async (r) => [await r.resume(name)])) f.ok(line);
      } catch (error) {
        f.act(
          `a rotation of "${name}" was cut off and could not be finished now (${(error as Error).message}): the vault still serves a working key; run \`tray-cred rotate ${name}\``,
        );
      }
    }
    const s = summarize(name, p);
    if (keyOverdue(s, now))
      f.act(
        `the key of "${name}" is ${keyAgeDays(s, now)} days old, over its rotate_after_days of ${s.rotateAfterDays}: run \`tray-cred rotate ${name}\``,
      );
  }
}
