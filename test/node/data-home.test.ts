import assert from 'node:assert/strict';
import { chmod, chown, lchown, mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dataHomeSetting } from '../../main/node/platform/data-home.ts';

const uid = process.getuid!();
const SETTING = /the data folder setting \(`dataDir` in settings\.json\)/;

describe("the tray's data folder setting is checked like TRAY_CRED_HOME", {
  skip: process.platform === 'win32',
}, () => {
  let root: string;
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'tc-data-home-')));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('keeps the standard place when the setting is empty, and follows a private directory of yours', async () => {
    assert.equal(dataHomeSetting('', '/standard/place', uid), '/standard/place');
    const mine = join(root, 'mine');
    await mkdir(mine, { mode: 0o700 });
    await symlink(mine, join(root, 'my-link'));
    assert.equal(dataHomeSetting(mine, '/standard/place', uid), mine);
    assert.equal(
      dataHomeSetting(join(root, 'my-link'), '/standard/place', uid),
      mine,
      'your own link is followed to the real directory',
    );
  });

  it('refuses a relative path, a directory others can open, one that is not yours, and a link someone else planted', async () => {
    assert.throws(() => dataHomeSetting('data', '/standard/place', uid), {
      code: 'ENVIRONMENT',
      message: /data is not a full path: point the data folder setting/,
    });
    const open = join(root, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    assert.throws(() => dataHomeSetting(open, '/s', uid), {
      message: /can be opened by other users \(mode 777\): run `chmod 700/,
    });
    const theirs = join(root, 'theirs');
    await mkdir(theirs, { mode: 0o700 });
    await chown(theirs, uid + 4242, uid + 4242);
    assert.throws(() => dataHomeSetting(theirs, '/s', uid), {
      message: new RegExp(`belongs to uid ${uid + 4242}, not to you .*${SETTING.source}`),
    });
    const planted = join(root, 'planted');
    await symlink(join(root, 'mine'), planted);
    await lchown(planted, uid + 4242, uid + 4242);
    assert.throws(() => dataHomeSetting(planted, '/s', uid), {
      message: new RegExp(`symbolic link made by uid ${uid + 4242}.*${SETTING.source}`),
    });
  });
});
