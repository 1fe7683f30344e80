import type { Command } from 'commander';
import { APPROVAL_TIMEOUT_RANGE, IDLE_LOCK_CHOICES, SETTINGS_DEFAULTS, type Settings } from '../../../core/settings.ts';
import { UsageError } from '../../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { table } from '../context.ts';
import { openSettings } from '../../platform/settings-file.ts';

const KEYS = Object.keys(SETTINGS_DEFAULTS) as (keyof Settings)[];
const IDLE_LOCK_WORDS = IDLE_LOCK_CHOICES.map((m) => (m === 0 ? 'off' : String(m)))
  .join(', ')
  .replace(/, (\w+)$/, ' or $1');

/** A setting that is stored but changes nothing on this machine, said when it is set. */
function inertWarning(
  key: keyof Settings,
  value: Settings[keyof Settings],
  platform: NodeJS.Platform,
): string | undefined {
  if (key === 'touchId' && value === true && platform !== 'darwin')
    return 'touchId is stored, but Touch ID exists only on macOS: it changes nothing here';
  if (key === 'approvalTimeoutSeconds' && typeof value === 'number' && value >= 60)
    return 'the Go SDK gives up on credential_process after 60 s: its programs will lose an answer given after that';
  return undefined;
}

function parseValue(key: keyof Settings, text: string): Settings[keyof Settings] {
  const kind = typeof SETTINGS_DEFAULTS[key];
  if (kind === 'boolean') {
    if (/^(on|true|yes)$/i.test(text)) return true;
    if (/^(off|false|no)$/i.test(text)) return false;
    throw new UsageError(`${key} takes on or off, not "${text}"`);
  }
  if (key === 'idleLockMinutes') {
    // README and the tray menu call 0 "off"; both spellings work.
    const minutes = /^(off|never)$/i.test(text) ? 0 : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(IDLE_LOCK_CHOICES as readonly number[]).includes(minutes))
      throw new UsageError(`idleLockMinutes takes ${IDLE_LOCK_WORDS} (minutes), not "${text}"`);
    return minutes as Settings[keyof Settings];
  }
  if (key === 'approvalTimeoutSeconds') {
    const { min, max } = APPROVAL_TIMEOUT_RANGE;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
      throw new UsageError(`approvalTimeoutSeconds takes whole seconds from ${min} to ${max}, not "${text}"`);
    return Number(text);
  }
  return text;
}

export function registerSettings(program: Command, ctx: () => CliContext): void {
  program
    .command('settings')
    .description(
      'show or change the settings the tray app and the headless agent share (settings.json in the data directory)',
    )
    .argument('[name]', KEYS.join(' | '))
    .argument('[value]', `on/off, minutes (idleLockMinutes: ${IDLE_LOCK_WORDS}), or a path`)
    .action(async (name: string | undefined, value: string | undefined) => {
      const c = ctx();
      await c.fs.ensurePrivateDir(c.dataDir);
      const store = openSettings(c.dataDir);
      if (name === undefined) {
        c.out(
          table(
            ['SETTING', 'VALUE'],
            KEYS.map((k) => [k, String(store.get(k))]),
          ),
        );
        return;
      }
      if (!KEYS.includes(name as keyof Settings))
        throw new UsageError(`there is no setting "${name}"; the settings are: ${KEYS.join(', ')}`);
      const key = name as keyof Settings;
      if (value === undefined) {
        c.out(`${String(store.get(key))}\n`);
        return;
      }
      const parsed = parseValue(key, value);
      try {
        store.set(key, parsed);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(
          `"${value}" is not a valid value for ${key} (${(error as Error).message.replace(/^Config schema violation: /, '')})`,
        );
      }
      c.out(`${key} = ${String(store.get(key))}\n`);
      const warning = inertWarning(key, parsed, process.platform);
      if (warning) c.err(`tray-cred: warning: ${warning}`);
    });
}
