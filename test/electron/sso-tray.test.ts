/**
 * The tray's "SSO sign-in needed" items against the real agent core and a loopback Identity
 * Center stand-in: which profiles need a sign-in, and the one click that opens the browser at
 * the device sign-in and stores the tokens in the vault (and nowhere else).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { AwsIdentityCenter } from '../../main/node/aws/aws-identity-center.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { IdentityCenterStandIn } from '../fakes/identity-center-stand-in.ts';
import { makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { ssoTray } = await import('../../main/electron/tray/sso-tray.ts');

describe('ssoTray', () => {
  const center = new IdentityCenterStandIn();
  before(async () => {
    await center.start();
    process.env.AWS_ENDPOINT_URL_SSO_OIDC = center.url;
  });
  after(async () => {
    delete process.env.AWS_ENDPOINT_URL_SSO_OIDC;
    await center.stop();
  });

  it('lists an Identity Center profile that never signed in; a click opens the browser, and once confirmed the tokens are in the vault', async () => {
    const w = await makeWorld();
    try {
      await w.broker.unlock();
      const source = {
        kind: 'sso' as const,
        startUrl: 'https://corp.awsapps.com/start',
        region: 'eu-west-1',
        accountId: '111122223333',
        roleName: 'Dev',
      };
      await w.broker.withKey((key) => new ProfileAdmin(w.vault, w.audit).setSource(key, 'team', source));
      const tray = ssoTray({
        broker: w.broker,
        vault: w.vault,
        audit: w.audit,
        clock: w.clock,
        identityCenter: new AwsIdentityCenter(),
      });
      assert.deepEqual(await tray.signInNeeded(), ['team']);

      center.interval = 1;
      const signingIn = tray.signIn('team');
      // The fake clock drives the polling; the browser gets the sign-in URL first.
      for (let i = 0; i < 200 && electron.shell.opened.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const url = electron.shell.opened.at(-1)!;
      assert.match(url, /\/start\/#\/device\?user_code=\w{4}-\w{4}$/);
      center.approve(/user_code=([\w-]+)$/.exec(url)![1]!);
      let done = false;
      void signingIn.finally(() => (done = true));
      for (let i = 0; i < 400 && !done; i++) {
        w.clock.advance(1000);
        await new Promise((r) => setTimeout(r, 5));
      }
      await signingIn;
      assert.deepEqual(await tray.signInNeeded(), []);
      const stored = await w.broker.withKey(async (key) => (await w.vault.read(key)).data.profiles.team?.ssoToken);
      assert.ok(stored && center.issued.includes(stored.accessToken), 'the token the service issued is in the vault');
      const entries = await w.entries();
      assert.equal(
        entries.filter((e) => e.event === 'sso').at(-1)?.reason,
        'signed in at https://corp.awsapps.com/start',
      );
    } finally {
      await w.close();
    }
  });
});
