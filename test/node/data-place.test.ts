/**
 * The CLI finds the data directory and the socket through data-place.ts, without loading the agent;
 * agent-runtime.ts still has its own agentPlace (another branch owns that file). Until it
 * re-exports this one, both must name the same place for every environment, or the CLI would
 * read one vault and the agent serve another.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentPlace as agentRuntimePlace } from '../../main/node/agent-runtime.ts';
import { agentPlace } from '../../main/node/data-place.ts';

test('the CLI and the agent compute the same place, and refuse the same directories', { skip: process.platform === 'win32' }, async (t) => {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'tc-data-place-')));
  t.after(() => rm(root, { recursive: true, force: true }));
  const mine = join(root, 'mine');
  await mkdir(mine, { mode: 0o700 });
  await symlink(mine, join(root, 'link'));
  const open = join(root, 'open');
  await mkdir(open);
  await chmod(open, 0o777);
  const envs: NodeJS.ProcessEnv[] = [
    { HOME: root },
    { HOME: root, XDG_DATA_HOME: join(root, 'xdg'), XDG_RUNTIME_DIR: join(root, 'run') },
    { HOME: root, TRAY_CRED_HOME: mine, TRAY_CRED_SOCKET: join(root, 's.sock') },
    { HOME: root, TRAY_CRED_HOME: join(root, 'link') },
  ];
  for (const env of envs) assert.deepEqual(agentPlace(env), agentRuntimePlace(env), JSON.stringify(env));
  assert.equal(agentPlace({ HOME: root, TRAY_CRED_HOME: join(root, 'link') }).dataDir, mine, 'your own link is followed');
  const refused = { HOME: root, TRAY_CRED_HOME: open };
  assert.throws(() => agentPlace(refused), { code: 'ENVIRONMENT' });
  assert.throws(() => agentRuntimePlace(refused), { code: 'ENVIRONMENT' });
});
