import type { Command } from 'commander';
import { SETTINGS_DEFAULTS, type Settings } from '../../core/settings.ts';
import { UsageError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { table } from '../context.ts';
import { openSettings } from '../settings-file.ts';

const KEYS = Object.keys(SETTINGS_DEFAULTS) as (keyof Settings)[];

function parseValue(key: keyof Settings, text: string): Settings[keyof Settings] {
  const kind = typeof SETTINGS_DEFAULTS[key];
  if (kind === 'boolean') {
    if (/^(on|true|yes)$/i.test(text)) return true;
    if (/^(off|false|no)$/i.test(text)) return false;
    throw new UsageError(`${key} takes on or off, not "${text}"`);
  }
  if (kind === 'number') {
    if (!/^\d+$/.test(text)) throw new UsageError(`${key} takes a number of minutes, not "${text}"`);
    return Number(text) as Settings[keyof Settings];
  }
  return text;
}

export function registerSettings(program: Command, ctx: () => CliContext): void {
  program
    .command('settings')
    .description('show or change the settings the tray app and the headless agent share (settings.json in the data directory)')
    .argument('[name]', KEYS.join(' | '))
    .argument('[value]', 'on/off, minutes (idleLockMinutes: 0, 5, 15 or 60), or a path')
    .action(async (name: string | undefined, value: string | undefined) => {
      const c = ctx();
      await c.fs.ensurePrivateDir(c.dataDir);
      const store = openSettings(c.dataDir);
      if (name === undefined) {
        c.out(table(['SETTING', 'VALUE'], KEYS.map((k) => [k, String(store.get(k))])));
        return;
      }
      if (!KEYS.includes(name as keyof Settings)) throw new UsageError(`there is no setting "${name}"; the settings are: ${KEYS.join(', ')}`);
      const key = name as keyof Settings;
      if (value === undefined) {
        c.out(`${String(store.get(key))}\n`);
        return;
      }
      try {
        store.set(key, parseValue(key, value));
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(`"${value}" is not a valid value for ${key} (${(error as Error).message.replace(/^Config schema violation: /, '')})`);
      }
      c.out(`${key} = ${String(store.get(key))}\n`);
    });
}
