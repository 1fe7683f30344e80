/**
 * Updates under the stand-in: the real electron-updater (the Linux AppImage updater) against a
 * loopback HTTP server serving the release feed (latest-linux.yml) and a small file standing in
 * for the AppImage: no Electron is downloaded. A download whose SHA-512 differs from the feed is
 * refused; a good one is ready to install at quit and announced.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { AppImageUpdater } = await import('electron-updater');
const { installedByPackage, startUpdateChecks, UPDATE_CHECK_MS } = await import('../../main/electron/updates.ts');

const GOOD = Buffer.from('the new tray-cred AppImage, version 99.0.0\n');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('base64');

describe('update checks', () => {
  let server: Server;
  let feed: string;
  let served: { version: string; sha: string };
  let dir: string;
  const requests: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tc-update-'));
    // The running AppImage (electron-updater updates only an AppImage it was started from).
    process.env.APPIMAGE = join(dir, 'tray-cred-1.0.0.AppImage');
    await writeFile(process.env.APPIMAGE, 'old');
    // Electron sets resourcesPath; electron-builder writes app-update.yml there from the config's `publish`.
    (process as { resourcesPath?: string }).resourcesPath = dir;
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      requests.push(path);
      if (path === '/latest-linux.yml') {
        const yml = [
          `version: ${served.version}`,
          'files:',
          `  - url: tray-cred-${served.version}.AppImage`,
          `    sha512: ${served.sha}`,
          `    size: ${GOOD.length}`,
          `path: tray-cred-${served.version}.AppImage`,
          `sha512: ${served.sha}`,
          "releaseDate: '2026-11-30T12:00:00.000Z'",
          '',
        ].join('\n');
        res.writeHead(200, { 'content-type': 'text/yaml' }).end(yml);
      } else if (path.endsWith('.AppImage')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': GOOD.length }).end(GOOD);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    feed = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await writeFile(
      join(dir, 'app-update.yml'),
      `provider: generic\nurl: ${feed}\nupdaterCacheDirName: tray-cred-updater\n`,
    );
  });
  after(async () => {
    server.close();
    delete process.env.APPIMAGE;
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    electron.reset({ platform: 'linux' });
    electron.app.isPackaged = true;
    electron.app.emitReady();
    requests.length = 0;
  });

  function updater() {
    return new AppImageUpdater();
  }

  it('downloads a newer release whose SHA-512 matches the feed, installs it at quit, and says so', async () => {
    served = { version: '99.0.0', sha: sha512(GOOD) };
    const warnings: string[] = [];
    const clock = new FakeClock();
    const u = updater();
    const checks = startUpdateChecks({ updater: u, packaged: false, clock, warn: (m) => warnings.push(m) });
    await checks.check();
    assert.deepEqual(warnings, []);
    assert.ok(
      requests.includes('/latest-linux.yml') && requests.includes('/tray-cred-99.0.0.AppImage'),
      requests.join(' '),
    );
    assert.equal(u.autoInstallOnAppQuit, true);
    assert.equal(u.allowDowngrade, false);
    assert.deepEqual(
      electron.Notification.shown.map((n) => n.title),
      ['tray-cred 99.0.0 is ready'],
    );
    assert.equal(clock.pending, 1, 'the next check is scheduled');
    requests.length = 0;
    clock.advance(UPDATE_CHECK_MS);
    for (let i = 0; i < 400 && !requests.includes('/latest-linux.yml'); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(requests.includes('/latest-linux.yml'), 'checked again six hours later');
    checks.stop();
  });

  it('refuses a download whose SHA-512 is not the one the feed names (a tampered or swapped file)', async () => {
    served = { version: '99.0.1', sha: sha512(Buffer.from('another file')) };
    const warnings: string[] = [];
    const checks = startUpdateChecks({
      updater: updater(),
      packaged: false,
      clock: new FakeClock(),
      warn: (m) => warnings.push(m),
    });
    await checks.check();
    checks.stop();
    assert.match(warnings.join('\n'), /update check failed: .*sha512 checksum mismatch/);
    assert.deepEqual(electron.Notification.shown, []);
  });

  it('downloads nothing when the feed offers no newer version', async () => {
    served = { version: '1.0.0', sha: sha512(GOOD) };
    const checks = startUpdateChecks({
      updater: updater(),
      packaged: false,
      clock: new FakeClock(),
      warn: (m) => assert.fail(m),
    });
    await checks.check();
    checks.stop();
    assert.deepEqual(
      requests.filter((r) => r.endsWith('.AppImage')),
      [],
    );
    assert.deepEqual(electron.Notification.shown, []);
  });

  it('installed from the .deb, downloads and installs nothing (the package manager does that) and says a new version exists', async () => {
    served = { version: '99.0.0', sha: sha512(GOOD) };
    await writeFile(join(dir, 'package-type'), 'deb\n');
    try {
      assert.equal(installedByPackage(dir), true);
      const u = updater();
      const checks = startUpdateChecks({
        updater: u,
        packaged: installedByPackage(dir),
        clock: new FakeClock(),
        warn: (m) => assert.fail(m),
      });
      await checks.check();
      checks.stop();
      assert.deepEqual(requests, ['/latest-linux.yml'], 'the feed only');
      assert.equal(u.autoInstallOnAppQuit, false);
      assert.deepEqual(
        electron.Notification.shown.map((n) => [n.title, n.body]),
        [
          [
            'tray-cred 99.0.0 is available',
            'Install the new .deb with your package manager: sudo apt install ./tray-cred_<version>_<arch>.deb',
          ],
        ],
      );
    } finally {
      await rm(join(dir, 'package-type'));
    }
    assert.equal(installedByPackage(dir), false, 'an AppImage has no package-type');
  });
});
