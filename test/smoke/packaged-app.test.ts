/**
 * The smoke test of the tray app: it starts, shows its tray or control window, unlocks, answers
 * an approval for a helper request, opens History, and records its stop at quit. One set of
 * steps, two runtimes: with TRAY_CRED_APP naming a packaged app's executable (the release
 * workflow, .github/workflows/release.yml, through build/smoke.sh) it runs that app in the real
 * Electron runtime and asks its packaged helper; without it (npm test, where no Electron runtime
 * can be downloaded) it runs dist/app/main.mjs under the stand-in `electron` and the helper bundle.
 * TRAY_CRED_APP chooses which runtime the test drives; the app has no switch for it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROD_KEYS } from '../fakes/keys.ts';
import { startElectronApp } from './electron-app.ts';
import { makeSmokeWorld, type AppUnderTest, type SmokeWorld } from './smoke-world.ts';
import { startStandInApp } from './stand-in-app.ts';

const packagedApp = process.env.TRAY_CRED_APP ? resolve(process.env.TRAY_CRED_APP) : undefined;

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(`the tray app, smoke test (${packagedApp ? 'packaged, in Electron' : 'the stand-in electron'})`, () => {
  let world: SmokeWorld;
  let app: AppUnderTest | undefined;

  before(async () => {
    world = await makeSmokeWorld(packagedApp);
    // The vault is made by the CLI, not the first-run dialog: a native message box is beyond Playwright's reach.
    const init = await world.trayCred(['init']);
    assert.equal(init.status, 0, init.stderr);
    const credentials = world.env.AWS_SHARED_CREDENTIALS_FILE!;
    await writeFile(
      credentials,
      `[prod]\naws_access_key_id = ${PROD_KEYS.accessKeyId}\naws_secret_access_key = ${PROD_KEYS.secretAccessKey}\n`,
    );
    const imported = await world.trayCred(['import', credentials]);
    assert.equal(imported.status, 0, imported.stderr);
  });
  after(async () => {
    app?.kill();
    await world?.cleanup();
  });

  const log = (): string => app?.log() ?? '';

  it('starts and shows its tray or, with no tray host, its control window', async () => {
    app = packagedApp ? await startElectronApp(packagedApp, world.env) : startStandInApp(world.env);
    const shown = await app.shown();
    // This test's D-Bus session has no tray host, as GNOME without the AppIndicator extension.
    if (process.platform === 'linux') assert.ok(shown.windows.includes('control.html'), `${app.runtime}: ${log()}`);
    if (shown.trayMenu) assert.equal(shown.trayMenu[0], 'Lock', 'the tray menu of an unlocked app');
  });

  it('unlocks at start', async () => {
    assert.ok(app, 'the app did not start');
    const status = await until('the app to unlock', async () => {
      const r = await world.trayCred(['status', '--json']);
      const parsed = r.status === 0 ? (JSON.parse(r.stdout) as { locked: boolean }) : undefined;
      return parsed && !parsed.locked ? parsed : undefined;
    });
    assert.equal(status.locked, false, log());
  });

  it("answers an approval for the helper's request for prod, and the helper gets the key", async () => {
    const request = world.helper('prod');
    await app!.allowOnce('prod');
    const served = await request;
    assert.equal(served.status, 0, `${served.stderr}\n${log()}`);
    assert.equal((JSON.parse(served.stdout) as { AccessKeyId: string }).AccessKeyId, PROD_KEYS.accessKeyId);
  });

  it('opens History from its menu', async () => {
    const history = await app!.openHistory();
    assert.ok(history.windows.includes('history.html'), `${JSON.stringify(history.windows)}\n${log()}`);
    if (history.rows)
      assert.ok(
        history.rows.some((row) => row.includes('prod')),
        history.rows.join('\n'),
      );
  });

  it('records its stop in the audit log when it quits, and no secret reached its output', async () => {
    assert.equal(await app!.quit(), 0, log());
    const audit = await world.trayCred(['audit', '--json']);
    assert.equal(audit.status, 0, audit.stderr);
    const events = audit.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; profile?: string; decision?: string; reason?: string });
    assert.ok(events.some((e) => e.event === 'access' && e.profile === 'prod' && e.decision === 'approved'));
    assert.ok(
      events.some((e) => e.event === 'agent-stop' && e.reason === 'quit from the tray'),
      events.map((e) => e.event).join(', '),
    );
    assert.ok(!log().includes(PROD_KEYS.secretAccessKey));
  });
});
