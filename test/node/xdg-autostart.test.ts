import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { autostartFile, execValue, setAutostart } from '../../main/node/platform/xdg-autostart.ts';

test('start at login on Linux writes and removes an XDG autostart entry', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'tc-autostart-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const place = { env: {}, home };
  const file = await setAutostart(true, ['/opt/tray cred/tray-cred', '--hidden'], place);
  assert.equal(file, join(home, '.config', 'autostart', 'tray-cred.desktop'));
  const text = await readFile(file, 'utf8');
  assert.match(text, /^\[Desktop Entry\]\nType=Application\n/);
  assert.match(text, /^Exec="\/opt\/tray cred\/tray-cred" --hidden$/m);
  assert.equal((await stat(file)).mode & 0o777, 0o644);
  await setAutostart(false, [], place);
  await assert.rejects(stat(file), { code: 'ENOENT' });
  await setAutostart(false, [], place); // already gone: no error
  assert.equal(autostartFile({ env: { XDG_CONFIG_HOME: '/x/cfg' }, home }), '/x/cfg/autostart/tray-cred.desktop');
});

test('the Exec value escapes as the Desktop Entry spec reads it: % doubled, quotes and backslashes escaped twice', () => {
  assert.equal(execValue(['/home/ann/Apps/tray-cred.AppImage']), '/home/ann/Apps/tray-cred.AppImage');
  assert.equal(
    execValue(['/opt/50%off/tray-cred']),
    '/opt/50%%off/tray-cred',
    'a lone % would be read as a field code',
  );
  assert.equal(execValue(['/opt/a "b" $c/tray-cred']), '"/opt/a \\\\"b\\\\" \\\\$c/tray-cred"');
  assert.equal(execValue(['/opt/back\\slash 50%/x']), '"/opt/back\\\\\\\\slash 50%%/x"');
});
